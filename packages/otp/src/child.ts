/**
 * Supervised children: the mechanics Supervisor and DynamicSupervisor share.
 *
 * - A child's start (`{ actor, args }`) travels in messages, so actors are
 *   sent by reference (`wireStart`) and spawned where they arrive.
 * - `launch` starts a child linked to the caller, synchronously for a
 *   behaviour (its `init` has run when it returns).
 * - `stopChildren` stops children as their `shutdown` says, all at once:
 *   every child gets its signal first, then the caller waits for all of
 *   them, and kills each one whose time is up. Stopping one child is the
 *   same with a list of one.
 * - `shouldRestart` and `RestartIntensity` decide whether a child that
 *   ended is started again.
 *
 * Shutdown: `'brutal_kill'` (exit `'kill'`), a number of ms (exit
 * `'shutdown'`, then `'kill'` if it has not ended in time) or `'infinity'`
 * (exit `'shutdown'` and wait as long as it takes).
 */
import {
  type ActorRef,
  type DownMessage,
  type ExitReason,
  type Pid,
  type Ref,
  TIMEOUT,
  exit,
  isDownMessage,
  isExitMessage,
  monitor,
  receive,
  refOf,
  unlink,
} from '@strand/core';
import { type Behaviour, type Startable, StartError, isBehaviour, startLink } from './start.js';
import { SupervisorError } from './supervisor-api.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Shutdown = 'brutal_kill' | 'infinity' | number;
export type ChildType = 'worker' | 'supervisor';

/** Default shutdown time of a worker, in ms (OTP's). Supervisors default to `'infinity'`. */
export const DEFAULT_WORKER_SHUTDOWN_MS = 5_000;

/**
 * What to start: an actor, a Server or a Supervisor, and its arguments.
 * `Startable<never>` accepts one whatever its parameters: they are not
 * checked against `args`.
 */
export interface ChildStart {
  readonly actor: Startable<never>;
  readonly args: readonly unknown[];
}

/** A `ChildStart` as it travels in a message: actors by reference, so it can be copied. */
export interface WireStart {
  readonly actor: ActorRef | { readonly behaviour: Behaviour<readonly unknown[]>['behaviour']; readonly actor: ActorRef };
  readonly args: readonly unknown[];
}

/** How a child is treated, with the defaults filled in. */
export interface ChildPolicy {
  readonly type: ChildType;
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
}

/** A running child, as `stopChildren` needs it. */
export interface Running {
  readonly pid: Pid;
  readonly shutdown: Shutdown;
}

export function wireStart(start: ChildStart): WireStart {
  const what = start.actor as Startable<readonly unknown[]>;
  const actorRef = isBehaviour(what) ? { behaviour: what.behaviour, actor: refOf(what.actor) } : refOf(what);
  return { actor: actorRef, args: start.args };
}

/** The policy of a spec: restart `'permanent'`, type from its start, shutdown by type, unless the spec says. */
export function policyOf(spec: {
  readonly start: ChildStart | WireStart;
  readonly restart?: RestartType;
  readonly shutdown?: Shutdown;
  readonly type?: ChildType;
}): ChildPolicy {
  const what = spec.start.actor;
  const type = spec.type ?? (isBehaviour(what) && what.behaviour === 'supervisor' ? 'supervisor' : 'worker');
  return {
    type,
    restart: spec.restart ?? 'permanent',
    shutdown: spec.shutdown ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_SHUTDOWN_MS),
  };
}

/**
 * Starts a child linked to the caller. `ok` is its pid, or undefined if its
 * `init` said `'ignore'`; `error` is why it could not start.
 */
export function* launch(
  start: ChildStart | WireStart,
): Generator<unknown, { readonly ok: Pid | undefined } | { readonly error: ExitReason }, unknown> {
  try {
    return { ok: yield* startLink(start.actor as Startable<readonly unknown[]>, ...start.args) };
  } catch (error) {
    if (error instanceof StartError) return { error: error.reason };
    return { error: { error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) } } };
  }
}

interface Stopping {
  readonly pid: Pid;
  readonly ref: Ref;
  /** When it gets `'kill'` if not down yet (`performance.now()` time). */
  readonly deadline: number;
}

/**
 * Stops `children` concurrently and returns once every one has ended. Each
 * link is replaced by a monitor first, so that an end arrives as one `DOWN`,
 * whatever the child traps.
 */
export function* stopChildren(children: Iterable<Running>): Generator<unknown, void, unknown> {
  const now = performance.now();
  const stopping: Stopping[] = [];
  const pids = new Set<Pid>();
  for (const { pid, shutdown } of children) {
    const ref = monitor(pid);
    unlink(pid);
    exit(pid, shutdown === 'brutal_kill' ? 'kill' : 'shutdown');
    stopping.push({ pid, ref, deadline: typeof shutdown === 'number' ? now + shutdown : Infinity });
    pids.add(pid);
  }
  // EXITs they sent before the unlinks took effect are stale now.
  while ((yield* receive((m) => isExitMessage(m) && pids.has(m.from), 0)) !== TIMEOUT);

  const waiting = new Set(stopping.map((s) => s.ref));
  // Soonest deadline first: `next` is the first child that may still need killing.
  stopping.sort((a, b) => a.deadline - b.deadline);
  let next = 0;
  while (waiting.size > 0) {
    while (next < stopping.length && !waiting.has(stopping[next]!.ref)) next += 1;
    const deadline = next < stopping.length ? stopping[next]!.deadline : Infinity;
    const down = yield* receive((m): m is DownMessage => isDownMessage(m) && waiting.has(m.ref), Math.max(0, deadline - performance.now()));
    if (down !== TIMEOUT) {
      waiting.delete(down.ref);
      continue;
    }
    const at = performance.now();
    for (; next < stopping.length && stopping[next]!.deadline <= at; next += 1) {
      if (waiting.has(stopping[next]!.ref)) exit(stopping[next]!.pid, 'kill');
    }
  }
}

/** Whether a child that ended with `reason` is started again. */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'temporary') return false;
  return !(reason === 'normal' || reason === 'shutdown' || (typeof reason === 'object' && 'shutdown' in reason));
}

/**
 * Restart intensity: more than `intensity` restarts within `period` ms is
 * too many. Only the last `intensity + 1` restart times are kept, so a long
 * history costs nothing.
 */
export class RestartIntensity {
  /** Oldest first. */
  private readonly times: number[] = [];

  constructor(
    readonly intensity: number,
    readonly period: number,
  ) {
    checkCount('intensity', intensity);
    checkCount('period', period);
  }

  /** Records a restart now; false when that makes too many. */
  allow(): boolean {
    const now = performance.now();
    this.times.push(now);
    if (this.times.length > this.intensity + 1) this.times.shift();
    return !(this.times.length === this.intensity + 1 && now - this.times[0]! < this.period);
  }
}

/** Checks a supervisor flag that counts something: a finite number >= 0. */
export function checkCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new SupervisorError(`${name} must be a number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}
