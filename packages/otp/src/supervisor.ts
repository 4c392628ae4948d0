/**
 * Supervisor: starts, watches and restarts children (Erlang's `supervisor`).
 *
 * A supervisor is defined by an init function that returns its flags and
 * child specs, and runs as a Server that traps exits:
 *
 * ```ts
 * export const AppSup = supervisor(import.meta.url, 'AppSup', () => ({
 *   flags: { strategy: 'one_for_one', intensity: 3, period: 5000 },
 *   children: [
 *     { id: 'cache', start: { actor: Cache, args: [] } },
 *     { id: 'worker', start: { actor: Worker, args: [42] }, restart: 'transient' },
 *   ],
 * }));
 * ```
 *
 * Child spec (`ChildSpec`):
 * - `id`: unique among the supervisor's children.
 * - `start`: an actor, a Server or a Supervisor, and its arguments. Behaviours
 *   are started synchronously: the next child starts only once this one's
 *   `init` has finished. A plain actor counts as started once spawned.
 * - `restart`: `'permanent'` (default) is always restarted; `'transient'`
 *   only after an abnormal exit (not `'normal'`, `'shutdown'` or
 *   `{ shutdown }`); `'temporary'` never, and is forgotten when it ends.
 * - `shutdown`: `'brutal_kill'` (exit `'kill'`), a number of ms (exit
 *   `'shutdown'`, then `'kill'` if it has not ended in time) or `'infinity'`.
 *   Default 5000 for workers and `'infinity'` for supervisors, as in OTP.
 * - `type`: `'worker'` or `'supervisor'`; default from `start.actor`.
 *
 * Flags: `strategy` `'one_for_one'` (default: restart the child that ended),
 * `'one_for_all'` (stop all others, restart all), `'rest_for_one'` (stop
 * and restart the ones started after it); restart intensity and period:
 * more than `intensity` restarts (default 1) within `period` ms (default
 * 5000) and the supervisor stops its children and exits with `'shutdown'`,
 * leaving the decision to its own supervisor.
 *
 * Children start in order and stop in reverse order. Only the last
 * `intensity + 1` restart times are kept, so a long history costs nothing.
 *
 * API (inside processes; from plain code through `callFrom`): `whichChildren`,
 * `countChildren`, `startChild`, `terminateChild`, `restartChild`, `deleteChild`.
 */
import {
  type Actor,
  type ActorRef,
  type Effect,
  type ExitReason,
  type Pid,
  type Ref,
  StrandError,
  TIMEOUT,
  actor,
  demonitor,
  exit,
  isDownMessage,
  isExitMessage,
  monitor,
  receive,
  refOf,
  trapExit,
  unlink,
} from '@strand/core';
import { type From, call } from './call.js';
import { type CallResult, type InitResult, type NoReplyResult, type ServerCallbacks, serve } from './server.js';
import { type Behaviour, type StartInfo, type Startable, StartError, isBehaviour, startLink } from './start.js';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Shutdown = 'brutal_kill' | 'infinity' | number;

/** Default restart intensity: at most this many restarts in `DEFAULT_PERIOD_MS` (OTP's defaults). */
export const DEFAULT_INTENSITY = 1;
export const DEFAULT_PERIOD_MS = 5_000;
/** Default shutdown time of a worker, in ms (OTP's). Supervisors default to `'infinity'`. */
export const DEFAULT_WORKER_SHUTDOWN_MS = 5_000;

export interface SupervisorFlags {
  readonly strategy?: Strategy;
  readonly intensity?: number;
  readonly period?: number;
}

export interface ChildSpec {
  readonly id: string;
  readonly start: { readonly actor: Startable<readonly unknown[]>; readonly args: readonly unknown[] };
  readonly restart?: RestartType;
  readonly shutdown?: Shutdown;
  readonly type?: 'worker' | 'supervisor';
}

export interface SupervisorInit {
  readonly flags?: SupervisorFlags;
  readonly children: readonly (ChildSpec | WireSpec)[];
}

export interface ChildInfo {
  readonly id: string;
  /** Undefined while the child is not running (terminated, or its init said `'ignore'`). */
  readonly pid: Pid | undefined;
  readonly type: 'worker' | 'supervisor';
  readonly restart: RestartType;
}

export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

export interface SupervisorDef<A extends readonly unknown[]> extends Behaviour<A> {
  readonly behaviour: 'supervisor';
}

/** A supervisor API call that could not be carried out (unknown id, child running…). */
export class SupervisorError extends StrandError {
  constructor(message: string) {
    super('ERR_STRAND_CALL_FAILED', message);
  }
}

/**
 * Defines a supervisor. `init` runs inside the supervisor process and
 * returns its flags and children; define it once at module top level.
 */
export function supervisor<A extends readonly unknown[]>(
  module: string,
  name: string,
  init: (...args: A) => SupervisorInit,
): SupervisorDef<A> {
  const body = function* (info: StartInfo, ...args: A): Generator<unknown, void, unknown> {
    yield* serve(supervisorCallbacks(() => init(...args)), info, []);
  };
  return Object.freeze({ behaviour: 'supervisor' as const, actor: actor(module, name, body) as Actor<readonly [StartInfo, ...A]> });
}

// ─── API ────────────────────────────────────────────────────────────────────

type Request =
  | { readonly op: 'which' }
  | { readonly op: 'count' }
  | { readonly op: 'start'; readonly spec: WireSpec }
  | { readonly op: 'terminate'; readonly id: string }
  | { readonly op: 'restart'; readonly id: string }
  | { readonly op: 'delete'; readonly id: string };

type Answer<T> = { readonly ok: T } | { readonly error: string };

export function whichChildren(sup: Pid | string): Effect<ChildInfo[]> {
  return request(sup, { op: 'which' });
}

export function countChildren(sup: Pid | string): Effect<ChildCounts> {
  return request(sup, { op: 'count' });
}

/** Adds a child spec and starts it; returns its pid (undefined if its init said `'ignore'`). */
export function startChild(sup: Pid | string, spec: ChildSpec): Effect<Pid | undefined> {
  return request(sup, { op: 'start', spec: toWire(spec) });
}

/** Stops a child (its spec stays, for `restartChild`). */
export function terminateChild(sup: Pid | string, id: string): Effect<void> {
  return request(sup, { op: 'terminate', id });
}

/** Starts again a child that was terminated. */
export function restartChild(sup: Pid | string, id: string): Effect<Pid | undefined> {
  return request(sup, { op: 'restart', id });
}

/** Forgets the spec of a terminated child. */
export function deleteChild(sup: Pid | string, id: string): Effect<void> {
  return request(sup, { op: 'delete', id });
}

/** The request a supervisor API function sends, for `callFrom` in plain code. */
export const SupervisorRequests = {
  which: (): Request => ({ op: 'which' }),
  count: (): Request => ({ op: 'count' }),
  start: (spec: ChildSpec): Request => ({ op: 'start', spec: toWire(spec) }),
  terminate: (id: string): Request => ({ op: 'terminate', id }),
  restart: (id: string): Request => ({ op: 'restart', id }),
  delete: (id: string): Request => ({ op: 'delete', id }),
};

/** Unwraps a supervisor's answer as plain code gets it from `callFrom`. */
export function unwrap<T>(answer: unknown): T {
  const a = answer as Answer<T>;
  if ('error' in a) throw new SupervisorError(a.error);
  return a.ok;
}

function request<T>(sup: Pid | string, req: Request): Effect<T> {
  return (function* (): Generator<unknown, T, unknown> {
    return unwrap<T>(yield* call(sup, req, Infinity));
  })() as unknown as Effect<T>;
}

// ─── Child specs on the wire ────────────────────────────────────────────────

/** A child spec as it travels in a message: actors by reference, so it can be copied. */
export interface WireSpec extends Omit<ChildSpec, 'start'> {
  readonly start: { readonly actor: ActorRef | { readonly behaviour: Behaviour<readonly unknown[]>['behaviour']; readonly actor: ActorRef }; readonly args: readonly unknown[] };
}

/** The copyable form of a child spec. */
export function toWire(spec: ChildSpec): WireSpec {
  const what = spec.start.actor;
  const actorRef = isBehaviour(what) ? { behaviour: what.behaviour, actor: refOf(what.actor) } : refOf(what);
  return { ...spec, start: { actor: actorRef, args: spec.start.args } };
}

// ─── The supervisor's callbacks ─────────────────────────────────────────────

interface Child {
  readonly spec: ChildSpec | WireSpec;
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly type: 'worker' | 'supervisor';
  pid: Pid | undefined;
}

interface State {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
  /** In start order. */
  readonly children: Child[];
  /** Times of the last `intensity + 1` restarts at most, oldest first. */
  readonly restarts: number[];
}

function supervisorCallbacks(init: () => SupervisorInit): ServerCallbacks<readonly unknown[], State> {
  return {
    *init(): Generator<unknown, InitResult<State>, unknown> {
      trapExit(true);
      const config = init();
      const flags = config.flags ?? {};
      const state: State = {
        strategy: checkStrategy(flags.strategy ?? 'one_for_one'),
        intensity: checkCount('intensity', flags.intensity ?? DEFAULT_INTENSITY),
        period: checkCount('period', flags.period ?? DEFAULT_PERIOD_MS),
        children: [],
        restarts: [],
      };
      const ids = new Set<string>();
      for (const spec of config.children) {
        if (ids.has(spec.id)) return { stop: { shutdown: `duplicate child id ${JSON.stringify(spec.id)}` } };
        ids.add(spec.id);
        state.children.push(childOf(spec));
      }
      for (const child of state.children) {
        const started = yield* startOne(child);
        if (started !== undefined) {
          // A child that cannot start stops the supervisor, after the ones already started.
          yield* stopAll(state.children);
          return { stop: { shutdown: { failedToStart: child.spec.id, reason: started } } };
        }
      }
      return { ok: state };
    },

    *handleCall(req: unknown, _from: From, state: State): Generator<unknown, CallResult<State, Answer<unknown>>, unknown> {
      const r = req as Request;
      switch (r.op) {
        case 'which':
          return { reply: { ok: state.children.map(info) }, state };
        case 'count': {
          const active = state.children.filter((c) => c.pid !== undefined).length;
          const supervisors = state.children.filter((c) => c.type === 'supervisor').length;
          return { reply: { ok: { specs: state.children.length, active, supervisors, workers: state.children.length - supervisors } }, state };
        }
        case 'start': {
          if (state.children.some((c) => c.spec.id === r.spec.id)) {
            return { reply: { error: `a child with id ${JSON.stringify(r.spec.id)} already exists` }, state };
          }
          const child = childOf(r.spec);
          const failed = yield* startOne(child);
          if (failed !== undefined) return { reply: { error: `child ${r.spec.id} failed to start: ${JSON.stringify(failed)}` }, state };
          if (child.pid !== undefined || child.restart !== 'temporary') state.children.push(child);
          return { reply: { ok: child.pid }, state };
        }
        case 'terminate': {
          const child = state.children.find((c) => c.spec.id === r.id);
          if (child === undefined) return { reply: { error: `no child ${JSON.stringify(r.id)}` }, state };
          yield* stopOne(child);
          if (child.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
          return { reply: { ok: undefined }, state };
        }
        case 'restart': {
          const child = state.children.find((c) => c.spec.id === r.id);
          if (child === undefined) return { reply: { error: `no child ${JSON.stringify(r.id)}` }, state };
          if (child.pid !== undefined) return { reply: { error: `child ${JSON.stringify(r.id)} is running` }, state };
          const failed = yield* startOne(child);
          if (failed !== undefined) return { reply: { error: `child ${r.id} failed to start: ${JSON.stringify(failed)}` }, state };
          return { reply: { ok: child.pid }, state };
        }
        case 'delete': {
          const child = state.children.find((c) => c.spec.id === r.id);
          if (child === undefined) return { reply: { error: `no child ${JSON.stringify(r.id)}` }, state };
          if (child.pid !== undefined) return { reply: { error: `child ${JSON.stringify(r.id)} is running` }, state };
          state.children.splice(state.children.indexOf(child), 1);
          return { reply: { ok: undefined }, state };
        }
      }
    },

    *handleInfo(message: unknown, state: State): Generator<unknown, NoReplyResult<State>, unknown> {
      if (!isExitMessage(message)) return { noreply: state };
      const child = state.children.find((c) => c.pid === message.from);
      if (child === undefined) return { noreply: state };
      child.pid = undefined;
      if (!shouldRestart(child.restart, message.reason)) {
        if (child.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
        return { noreply: state };
      }
      if (!allowRestart(state)) {
        yield* stopAll(state.children);
        return { stop: 'shutdown', state };
      }
      const failed = yield* restartAfter(state, child);
      if (failed) {
        yield* stopAll(state.children);
        return { stop: 'shutdown', state };
      }
      return { noreply: state };
    },

    *terminate(_reason: ExitReason, state: State): Generator<unknown, void, unknown> {
      yield* stopAll(state.children);
    },
  };
}

/** Restarts after `child` ended, as the strategy says. True if a restart failed. */
function* restartAfter(state: State, child: Child): Generator<unknown, boolean, unknown> {
  const index = state.children.indexOf(child);
  const affected =
    state.strategy === 'one_for_one' ? [child] : state.strategy === 'one_for_all' ? [...state.children] : state.children.slice(index);
  yield* stopAll(affected.filter((c) => c !== child));
  for (const c of affected) {
    // A temporary child stopped by a sibling's restart is not started again (OTP).
    if (c !== child && c.restart === 'temporary') {
      state.children.splice(state.children.indexOf(c), 1);
      continue;
    }
    const failed = yield* startOne(c);
    if (failed !== undefined) return true;
  }
  return false;
}

/** Starts a child; returns undefined on success, the reason on failure. */
function* startOne(child: Child): Generator<unknown, ExitReason | undefined, unknown> {
  try {
    child.pid = yield* startLink(child.spec.start.actor as Startable<readonly unknown[]>, ...child.spec.start.args);
    return undefined;
  } catch (error) {
    child.pid = undefined;
    if (error instanceof StartError) return error.reason;
    return { error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) } };
  }
}

/** Stops children in reverse start order. */
function* stopAll(children: readonly Child[]): Generator<unknown, void, unknown> {
  for (let i = children.length - 1; i >= 0; i--) yield* stopOne(children[i]!);
}

/**
 * Stops one child as its `shutdown` says. The link is replaced by a monitor
 * first, so that its end arrives as one `DOWN`, whatever it traps.
 */
function* stopOne(child: Child): Generator<unknown, void, unknown> {
  const pid = child.pid;
  if (pid === undefined) return;
  child.pid = undefined;
  const ref = monitor(pid);
  unlink(pid);
  // An EXIT it sent before the unlink took effect is stale now.
  yield* receive((m) => isExitMessage(m) && m.from === pid, 0);
  if (child.shutdown === 'brutal_kill') {
    exit(pid, 'kill');
    yield* waitDown(ref, Infinity);
    return;
  }
  exit(pid, 'shutdown');
  if (child.shutdown === 'infinity') {
    yield* waitDown(ref, Infinity);
    return;
  }
  if (!(yield* waitDown(ref, child.shutdown))) {
    exit(pid, 'kill');
    yield* waitDown(ref, Infinity);
  }
}

function* waitDown(ref: Ref, timeoutMs: number): Generator<unknown, boolean, unknown> {
  const down = yield* receive((m) => isDownMessage(m) && m.ref === ref, timeoutMs);
  if (down === TIMEOUT) return false;
  demonitor(ref, { flush: true });
  return true;
}

/**
 * Records a restart now; false when that makes more than `intensity`
 * restarts within `period`. Keeps `intensity + 1` times at most.
 */
function allowRestart(state: State): boolean {
  const now = performance.now();
  const restarts = state.restarts;
  restarts.push(now);
  if (restarts.length > state.intensity + 1) restarts.shift();
  return !(restarts.length === state.intensity + 1 && now - restarts[0]! < state.period);
}

function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'temporary') return false;
  return !(reason === 'normal' || reason === 'shutdown' || (typeof reason === 'object' && 'shutdown' in reason));
}

function childOf(spec: ChildSpec | WireSpec): Child {
  const what = spec.start.actor;
  const type = spec.type ?? (isBehaviour(what) && what.behaviour === 'supervisor' ? 'supervisor' : 'worker');
  return {
    spec,
    restart: spec.restart ?? 'permanent',
    shutdown: spec.shutdown ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_SHUTDOWN_MS),
    type,
    pid: undefined,
  };
}

function info(child: Child): ChildInfo {
  return { id: child.spec.id, pid: child.pid, type: child.type, restart: child.restart };
}

function checkStrategy(strategy: unknown): Strategy {
  if (strategy === 'one_for_one' || strategy === 'one_for_all' || strategy === 'rest_for_one') return strategy;
  throw new SupervisorError(`unknown strategy ${JSON.stringify(strategy)}: one_for_one, one_for_all or rest_for_one`);
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new SupervisorError(`${name} must be a number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

