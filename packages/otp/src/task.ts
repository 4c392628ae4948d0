/**
 * Task: one computation in a process of its own, and its result (Elixir's
 * `Task`).
 *
 * A task is defined once at module top level with `task()`, like an actor;
 * its result is what its generator returns:
 *
 * ```ts
 * export const Checksum = task(import.meta.url, 'Checksum', function* (path: string) {
 *   ...
 *   return sum;
 * });
 *
 * // inside a process:
 * const t = Task.async(Checksum, '/tmp/a');
 * const sum = yield* Task.await(t);
 * ```
 *
 * Why a definer rather than any actor: core drops what a process body
 * returns, and a process cannot wait for a module to load, so a generic
 * runner could not reach an actor whose module its thread has not
 * imported. `task()` defines an actor around the body instead: it is
 * spawned by reference like any other (core loads its module on whichever
 * thread it is placed), gets its owner and a reply ref as a hidden first
 * argument (as a behaviour gets its StartInfo), and sends
 * `{ type: '$task', ref, value }` to its owner when the body returns. The
 * value must be copyable (structured clone): a task whose result is not
 * fails with `UncloneableError`.
 *
 * - `Task.async(def, ...args)`: starts the task linked to the caller and
 *   monitored by it. A task that crashes takes its caller down through the
 *   link, as in Elixir; a caller that traps exits gets the EXIT message
 *   instead, and `await` throws `TaskError` with the reason.
 * - `Task.await(task, timeoutMs = 5000)`: the task's result. Throws
 *   `TaskError` when the task ended without one, `TaskTimeoutError` when it
 *   took longer. Elixir exits the caller on a timeout; here the caller gets
 *   an exception. Uncaught, it ends the caller and the link ends the task,
 *   as in Elixir. Caught, the task keeps running (stop it with
 *   `Task.shutdown`) and a result it sends later is dropped.
 * - `Task.awaitMany(tasks, timeoutMs = 5000)`: the results in the order of
 *   `tasks`, all within one timeout; fails as `await` at the first failure,
 *   and drops the results of the others.
 * - `Task.asyncNolink(def, ...args)`: monitored, not linked: a task that
 *   fails does not take the caller down. `Task.asyncNolinkUnder(sup, def,
 *   ...args)` (run with `yield*`): the same, started as a temporary child of
 *   a DynamicSupervisor, so that it stops with the supervisor.
 * - `Task.settle(task, timeoutMs = 5000)`: `{ ok: value }` or
 *   `{ exit: reason }`, or `TIMEOUT` while the task is still running; it can
 *   be settled again later (Elixir's `Task.yield`).
 * - `Task.shutdown(task, shutdown = 5000)`: stops the task as a supervisor
 *   stops a child (`Shutdown`); a result that came meanwhile is dropped.
 *
 * Only the task's owner, the process that started it, can await, settle or
 * shut it down: the result and the monitor's DOWN go there.
 */
import {
  type Actor,
  type DownMessage,
  type Effect,
  type ExitReason,
  type Pid,
  type Ref,
  StrandError,
  TIMEOUT,
  type Timeout,
  abandon,
  actor,
  demonitor,
  formatExitReason,
  formatPid,
  makeRef,
  monitor,
  receive,
  self,
  send,
  spawnLink,
  spawnMonitor,
  unlink,
} from '@strand/core';
import { DEFAULT_WORKER_SHUTDOWN_MS, type Shutdown, stopChildren } from './child.js';
import { startDynamicChild } from './dynamic-supervisor.js';

/** How long `await`, `awaitMany` and `settle` wait by default, in ms: Elixir's default. */
export const DEFAULT_TASK_TIMEOUT_MS = 5_000;

declare const RESULT: unique symbol;

/** What a task is spawned with, first. `gated`: wait for the owner's go before running. */
interface TaskInfo {
  readonly owner: Pid;
  readonly ref: Ref;
  readonly gated: boolean;
}

interface TaskReply {
  readonly type: '$task';
  readonly ref: Ref;
  readonly value: unknown;
}

interface TaskGo {
  readonly type: '$task_go';
  readonly ref: Ref;
}

/** A task definition, made by `task()`: arguments `A`, result `R`. */
export interface TaskDef<A extends readonly unknown[], R> {
  readonly kind: 'task';
  readonly actor: Actor<readonly [TaskInfo, ...A]>;
  readonly [RESULT]?: R;
}

/** A running task, as its owner holds it. */
export interface Task<R> {
  readonly pid: Pid;
  readonly owner: Pid;
  /** Tags the result message. */
  readonly ref: Ref;
  /** The owner's monitor of the task. */
  readonly monitor: Ref;
  readonly [RESULT]?: R;
}

export type TaskOutcome<R> = { readonly ok: R } | { readonly exit: ExitReason };

/** The task ended without a result; `reason` is why. */
export class TaskError extends StrandError {
  constructor(
    readonly pid: Pid,
    readonly reason: ExitReason,
  ) {
    super('ERR_STRAND_TASK_FAILED', `task ${formatPid(pid)} exited: ${formatExitReason(reason)}`);
  }
}

/** No result came within the timeout. */
export class TaskTimeoutError extends StrandError {
  constructor(
    readonly pid: Pid,
    readonly timeoutMs: number,
  ) {
    super('ERR_STRAND_TASK_TIMEOUT', `task ${formatPid(pid)} gave no result within ${timeoutMs} ms`);
  }
}

/** Defines a task; `module` is `import.meta.url`, `name` unique in it. */
export function task<A extends readonly unknown[], R>(
  module: string,
  name: string,
  body: (...args: A) => Generator<unknown, R, unknown>,
): TaskDef<A, R> {
  const run = function* (info: TaskInfo, ...args: A): Generator<unknown, void, unknown> {
    if (info.gated) yield* receive({ type: '$task_go', ref: info.ref });
    const reply: TaskReply = { type: '$task', ref: info.ref, value: yield* body(...args) };
    send(info.owner, reply);
    // The owner has its result: our normal end must not reach it as an EXIT message if it traps exits.
    unlink(info.owner);
  };
  return Object.freeze({ kind: 'task' as const, actor: actor(module, name, run) });
}

function asyncLinked<A extends readonly unknown[], R>(def: TaskDef<A, R>, ...args: A): Task<R> {
  const info: TaskInfo = { owner: self(), ref: makeRef(), gated: false };
  const pid = spawnLink(def.actor, info, ...args);
  return { pid, owner: info.owner, ref: info.ref, monitor: monitor(pid) };
}

function asyncNolink<A extends readonly unknown[], R>(def: TaskDef<A, R>, ...args: A): Task<R> {
  const info: TaskInfo = { owner: self(), ref: makeRef(), gated: false };
  const [pid, ref] = spawnMonitor(def.actor, info, ...args);
  return { pid, owner: info.owner, ref: info.ref, monitor: ref };
}

function asyncNolinkUnder<A extends readonly unknown[], R>(sup: Pid | string, def: TaskDef<A, R>, ...args: A): Effect<Task<R>> {
  return (function* (): Generator<unknown, Task<R>, unknown> {
    // Gated: it runs only once monitored, so that its DOWN carries its real reason, not 'noproc'.
    const info: TaskInfo = { owner: self(), ref: makeRef(), gated: true };
    // A plain actor has no init to answer 'ignore': the pid is always there.
    const pid = (yield* startDynamicChild(sup, { start: { actor: def.actor, args: [info, ...args] }, restart: 'temporary' }))!;
    const started: Task<R> = { pid, owner: info.owner, ref: info.ref, monitor: monitor(pid) };
    const go: TaskGo = { type: '$task_go', ref: info.ref };
    send(pid, go);
    return started;
  })() as unknown as Effect<Task<R>>;
}

function settle<R>(task: Task<R>, timeoutMs = DEFAULT_TASK_TIMEOUT_MS): Effect<TaskOutcome<R> | Timeout> {
  return (function* (): Generator<unknown, TaskOutcome<R> | Timeout, unknown> {
    const m = yield* receive((x): x is TaskReply | DownMessage => isTaskMessage(x) && (x.ref === task.ref || x.ref === task.monitor), timeoutMs);
    return m === TIMEOUT ? TIMEOUT : outcomeOf(task, m);
  })() as unknown as Effect<TaskOutcome<R> | Timeout>;
}

function awaitOne<R>(task: Task<R>, timeoutMs = DEFAULT_TASK_TIMEOUT_MS): Effect<R> {
  return (function* (): Generator<unknown, R, unknown> {
    const outcome = yield* settle(task, timeoutMs);
    if (outcome === TIMEOUT) {
      forget(task);
      throw new TaskTimeoutError(task.pid, timeoutMs);
    }
    if ('exit' in outcome) throw new TaskError(task.pid, outcome.exit);
    return outcome.ok;
  })() as unknown as Effect<R>;
}

function awaitMany<R>(tasks: readonly Task<R>[], timeoutMs = DEFAULT_TASK_TIMEOUT_MS): Effect<R[]> {
  return (function* (): Generator<unknown, R[], unknown> {
    const results = new Array<R>(tasks.length);
    // Result refs and monitor refs alike, to the task's index.
    const pending = new Map<Ref, number>();
    tasks.forEach((t, i) => pending.set(t.ref, i).set(t.monitor, i));
    const deadline = performance.now() + timeoutMs;
    const unfinished = (): Task<R>[] => tasks.filter((t) => pending.has(t.ref));
    while (pending.size > 0) {
      const m = yield* receive(
        (x): x is TaskReply | DownMessage => isTaskMessage(x) && pending.has(x.ref),
        Math.max(0, deadline - performance.now()),
      );
      if (m === TIMEOUT) {
        const late = unfinished();
        late.forEach(forget);
        throw new TaskTimeoutError(late[0]!.pid, timeoutMs);
      }
      const i = pending.get(m.ref)!;
      const t = tasks[i]!;
      pending.delete(t.ref);
      pending.delete(t.monitor);
      const outcome = outcomeOf(t, m);
      if ('exit' in outcome) {
        unfinished().forEach(forget);
        throw new TaskError(t.pid, outcome.exit);
      }
      results[i] = outcome.ok;
    }
    return results;
  })() as unknown as Effect<R[]>;
}

function shutdown<R>(task: Task<R>, how: Shutdown = DEFAULT_WORKER_SHUTDOWN_MS): Effect<void> {
  return (function* (): Generator<unknown, void, unknown> {
    forget(task);
    yield* stopChildren([{ pid: task.pid, shutdown: how }]);
  })() as unknown as Effect<void>;
}

/** Starting tasks and waiting for their results; see the top of this module. */
export const Task = Object.freeze({
  async: asyncLinked,
  asyncNolink,
  asyncNolinkUnder,
  await: awaitOne,
  awaitMany,
  settle,
  shutdown,
});

function isTaskMessage(m: unknown): m is TaskReply | DownMessage {
  return typeof m === 'object' && m !== null && ((m as TaskReply).type === '$task' || (m as DownMessage).type === 'DOWN');
}

function outcomeOf<R>(task: Task<R>, m: TaskReply | DownMessage): TaskOutcome<R> {
  if (m.type === 'DOWN') return { exit: m.reason };
  demonitor(task.monitor, { flush: true });
  return { ok: m.value as R };
}

/** Stops listening to a task: its monitor goes, and a result it sends later is dropped. */
function forget(task: Task<unknown>): void {
  demonitor(task.monitor, { flush: true });
  abandon(task.ref);
}
