/**
 * The process API: what a process calls on itself and on others. Every
 * function here must be called from inside a running process (it throws
 * `NotInProcessError` otherwise); plain code uses the scheduler's methods.
 *
 * None of these block, so none needs `yield*`. Blocking is `receive` and
 * `sleep`, in receive.ts.
 */
import type { Actor, ActorRef } from './actor.js';
import { caller } from './context.js';
import { InvalidExitReasonError } from './errors.js';
import { type ExitReasonInput, ProcessExit, toExitReason } from './exit-reason.js';
import type { Pid } from './pid.js';
import type { ProcessInfo } from './process-info.js';
import { receive } from './receive.js';
import type { Ref } from './ref.js';
import type { Self } from './self.js';

/** The calling process's pid. */
export function self(): Pid {
  return caller('self').pid;
}

/**
 * Starts a process running `actor(...args)`; it runs after the caller yields
 * or blocks. The pid is typed by what the actor accepts (see `Self`).
 */
export function spawn<A extends readonly unknown[], M = any>(actor: Actor<A, M> | ActorRef, ...args: A): Pid<M> {
  const p = caller('spawn');
  return p.scheduler.create(actor as Actor<readonly unknown[]>, args, p);
}

/** Like `spawn`, and links the caller to the child before the child can run. */
export function spawnLink<A extends readonly unknown[], M = any>(actor: Actor<A, M> | ActorRef, ...args: A): Pid<M> {
  const p = caller('spawnLink');
  return p.scheduler.create(actor as Actor<readonly unknown[]>, args, p, true);
}

/** Like `spawn`, and monitors the child before the child can run. */
export function spawnMonitor<A extends readonly unknown[], M = any>(actor: Actor<A, M> | ActorRef, ...args: A): [Pid<M>, Ref] {
  const p = caller('spawnMonitor');
  const child = p.scheduler.create(actor as Actor<readonly unknown[]>, args, p);
  return [child, p.scheduler.monitor(p, child)];
}

/**
 * Sends `message` to a pid or a registered name. Never blocks. A message to
 * a dead pid is dropped, as in Erlang; an unregistered name throws
 * `NotRegisteredError`. Messages between one pair of processes arrive in the
 * order they were sent, whatever threads they are on. A message must be
 * copyable to another thread (structured clone): one that is not (a function,
 * a socket) throws `UncloneableError` naming the part at fault. Treat a sent
 * message as immutable: within a thread it is passed by reference.
 *
 * To a typed `Pid<M>`, only an `M` compiles; names are untyped.
 */
export function send<M = unknown>(dest: Pid<M> | string, message: NoInfer<M>): void {
  const p = caller('send');
  p.scheduler.sendFrom(p, dest, message);
}

/**
 * `exit(reason)`: ends the calling process now with `reason` (Erlang's
 * `exit/1`), by throwing `ProcessExit`; `finally` blocks run on the way.
 *
 * `exit(pid, reason)`: sends an exit signal to `pid`. `'kill'` always ends
 * it (others see `'killed'`); `'normal'` ends only the caller itself; any
 * other reason ends a process that does not trap exits and is an `EXIT`
 * message for one that does. A signal to the caller itself takes effect at
 * its next yield.
 */
export function exit(reason: ExitReasonInput): never;
export function exit(pid: Pid, reason: ExitReasonInput): void;
export function exit(...args: [ExitReasonInput] | [Pid, ExitReasonInput]): void {
  const p = caller('exit');
  if (args.length === 1) {
    const reason = toExitReason(args[0]);
    if (reason === undefined) throw new InvalidExitReasonError(args[0]);
    throw new ProcessExit(reason === 'kill' ? 'killed' : reason);
  }
  p.scheduler.exitFrom(p.pid, args[0], args[1]);
}

/** The pid of the process that spawned the caller, or undefined if plain code did. */
export function parent(): Pid | undefined {
  const p = caller('parent');
  return p.parent === 0 ? undefined : p.parent;
}

/** Links the caller and `pid` both ways. Linking to a dead pid is an exit signal `'noproc'`. */
export function link(pid: Pid): void {
  const p = caller('link');
  p.scheduler.link(p, pid);
}

/** Removes the link between the caller and `pid`, if any. */
export function unlink(pid: Pid): void {
  const p = caller('unlink');
  p.scheduler.unlink(p, pid);
}

/**
 * Monitors `pid`: when it ends, the caller gets `{ type: 'DOWN', ref, pid, reason }`.
 * A dead pid answers `'noproc'` at once.
 */
export function monitor(pid: Pid): Ref {
  const p = caller('monitor');
  return p.scheduler.monitor(p, pid);
}

/** Removes a monitor; with `flush`, also drops its `DOWN` message if it already came. */
export function demonitor(ref: Ref, options: { readonly flush?: boolean } = {}): boolean {
  const p = caller('demonitor');
  return p.scheduler.demonitor(p, ref, options.flush === true);
}

/**
 * Gives up on replies tagged with `ref`: a message whose `ref` property is
 * `ref` is removed from the mailbox now or dropped when it arrives. For
 * request/reply protocols whose caller stopped waiting (a call that timed
 * out), so that a late reply does not sit in the mailbox forever.
 */
export function abandon(ref: Ref): void {
  const p = caller('abandon');
  p.scheduler.abandon(p, ref);
}

/** Sets whether exit signals become `EXIT` messages; returns the previous setting. */
export function trapExit(on: boolean): boolean {
  const p = caller('trapExit');
  const previous = p.trapExit;
  p.trapExit = on === true;
  return previous;
}

/** Registers `name` for `pid` (default: the caller). Throws if the name is taken or the pid has one. */
export function register(name: string, pid?: Pid): void {
  const p = caller('register');
  p.scheduler.registerName(name, pid ?? p.pid);
}

/** Releases a name. Throws `NotRegisteredError` if nobody holds it. */
export function unregister(name: string): void {
  caller('unregister').scheduler.unregisterName(name);
}

/** The pid registered as `name`, or undefined. */
export function whereis(name: string): Pid | undefined {
  return caller('whereis').scheduler.whereis(name);
}

/** What the scheduler knows of `pid`, or undefined if it is gone. */
export function processInfo(pid: Pid): ProcessInfo | undefined {
  return caller('processInfo').scheduler.processInfo(pid);
}

/** Sends `message` to `dest` after `ms` milliseconds. Returns a ref for `cancelTimer`. */
export function sendAfter<M = unknown>(ms: number, dest: Pid<M> | string, message: NoInfer<M>): Ref {
  return caller('sendAfter').scheduler.sendAfter(ms, dest, message);
}

/** Cancels a `sendAfter` timer. False if it already fired or was cancelled. */
export function cancelTimer(ref: Ref): boolean {
  return caller('cancelTimer').scheduler.cancelTimer(ref);
}

/** The `this` of every process body (see `Self`). */
export const SELF: Self<unknown> = Object.freeze({
  self,
  receive: receive as Self<unknown>['receive'],
});
