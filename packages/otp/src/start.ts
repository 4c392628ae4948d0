/**
 * Starting a process and knowing it is ready (Erlang's `proc_lib` start).
 *
 * A behaviour (a Server, a Supervisor) is spawned with a `StartInfo` as its
 * first argument and acknowledges its parent once its `init` has finished,
 * or failed. `startLink` waits for that acknowledgement, so that a
 * supervisor's children start strictly one after another: a child may use
 * what an earlier one registered. A plain actor has no `init`: it counts as
 * started once spawned.
 */
import {
  type Actor,
  type Effect,
  type ExitReason,
  type Pid,
  type Ref,
  StrandError,
  formatExitReason,
  isExitMessage,
  makeRef,
  parent,
  receive,
  send,
  spawn,
  spawnLink,
} from '@strand/core';
import type { ServerPid, ServerProtocol } from './call.js';
import type { Resume } from './handoff.js';

/**
 * What a behaviour is spawned with, first: where to send its
 * acknowledgement (`to`, by default its parent), and for a Server that
 * moved, what it resumes from (handoff.ts). `null` when spawned directly.
 */
export type StartInfo = { readonly ref: Ref; readonly to?: Pid; readonly resume?: Resume } | null;

/** Sent by a started behaviour to its parent. */
export type StartAck =
  | { readonly type: '$started'; readonly ref: Ref; readonly pid: Pid; readonly outcome: 'ok' | 'ignore' }
  | { readonly type: '$started'; readonly ref: Ref; readonly pid: Pid; readonly outcome: 'error'; readonly reason: ExitReason };

/** A behaviour: an actor whose first argument is its `StartInfo`. */
export interface Behaviour<A extends readonly unknown[]> {
  readonly behaviour: 'server' | 'supervisor';
  readonly actor: Actor<readonly [StartInfo, ...A]>;
}

/** What can be started: a plain actor or a behaviour. */
export type Startable<A extends readonly unknown[]> = Actor<A> | Behaviour<A>;

/** `init` failed or said to stop: the process did not start. */
export class StartError extends StrandError {
  constructor(readonly reason: ExitReason) {
    super('ERR_STRAND_START_FAILED', `start failed: ${formatExitReason(reason)}`);
  }
}

export function isBehaviour(value: unknown): value is Behaviour<readonly unknown[]> {
  return typeof value === 'object' && value !== null && 'behaviour' in value && 'actor' in value;
}

/**
 * Starts `what` linked to the caller and waits until it has initialised.
 * Returns its pid, or undefined if its `init` answered `'ignore'`. Throws
 * `StartError` if `init` failed. Run with `yield*`.
 */
export function startLink<A extends readonly unknown[], Call, Reply, Cast>(
  what: ServerProtocol<Call, Reply, Cast> & Behaviour<A>,
  ...args: A
): Effect<ServerPid<Call, Reply, Cast> | undefined>;
export function startLink<A extends readonly unknown[], M = any>(what: Actor<A, M>, ...args: A): Effect<Pid<M> | undefined>;
export function startLink<A extends readonly unknown[]>(what: Startable<A>, ...args: A): Effect<Pid | undefined>;
export function startLink<A extends readonly unknown[]>(what: Startable<A>, ...args: A): Effect<Pid | undefined> {
  return start(what as Startable<readonly unknown[]>, args, true) as unknown as Effect<Pid | undefined>;
}

/** Like `startLink`, without the link. */
export function startUnlinked<A extends readonly unknown[], Call, Reply, Cast>(
  what: ServerProtocol<Call, Reply, Cast> & Behaviour<A>,
  ...args: A
): Effect<ServerPid<Call, Reply, Cast> | undefined>;
export function startUnlinked<A extends readonly unknown[], M = any>(what: Actor<A, M>, ...args: A): Effect<Pid<M> | undefined>;
export function startUnlinked<A extends readonly unknown[]>(what: Startable<A>, ...args: A): Effect<Pid | undefined>;
export function startUnlinked<A extends readonly unknown[]>(what: Startable<A>, ...args: A): Effect<Pid | undefined> {
  return start(what as Startable<readonly unknown[]>, args, false) as unknown as Effect<Pid | undefined>;
}

function* start(what: Startable<readonly unknown[]>, args: readonly unknown[], link: boolean): Generator<unknown, unknown, unknown> {
  if (!isBehaviour(what)) return link ? spawnLink(what, ...args) : spawn(what, ...args);
  const ref = makeRef();
  const info: StartInfo = { ref };
  const pid = link ? spawnLink(what.actor, info, ...args) : spawn(what.actor, info, ...args);
  const ack = yield* receive(
    (m) =>
      (typeof m === 'object' && m !== null && (m as StartAck).type === '$started' && (m as StartAck).ref === ref) ||
      (isExitMessage(m) && m.from === pid),
  );
  if (isExitMessage(ack)) throw new StartError(ack.reason);
  const started = ack as StartAck;
  if (started.outcome === 'error') throw new StartError(started.reason);
  return started.outcome === 'ignore' ? undefined : pid;
}

/** Called by a behaviour once its `init` is done: tells the parent that waits in `startLink`. */
export function acknowledge(info: StartInfo, pid: Pid, outcome: 'ok' | 'ignore' | { readonly error: ExitReason }): void {
  if (info === null) return;
  // Plain code that started a behaviour (no parent process) names an inbox to hear from it.
  const to = info.to ?? parent();
  if (to === undefined) return;
  const ack: StartAck =
    typeof outcome === 'string'
      ? { type: '$started', ref: info.ref, pid, outcome }
      : { type: '$started', ref: info.ref, pid, outcome: 'error', reason: outcome.error };
  send(to, ack);
}
