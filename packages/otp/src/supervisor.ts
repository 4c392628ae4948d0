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
 * Children start in order and stop in reverse order, one at a time.
 *
 * API (inside processes; from plain code through `callFrom`): `whichChildren`,
 * `countChildren`, `supervisorFlags`, `startChild`, `terminateChild`,
 * `restartChild`, `deleteChild`.
 *
 * Each restart of a child that ended is reported to the process registered
 * as `RESTART_REPORTS_NAME`, if any (restart-report.ts).
 */
import { type Actor, type Effect, type ExitReason, type Pid, actor, isExitMessage, self, send, trapExit } from '@strand/core';
import type { From } from './call.js';
import {
  type ChildPolicy,
  type ChildStart,
  type ChildType,
  type RestartType,
  type Shutdown,
  type WireStart,
  RestartIntensity,
  launch,
  policyOf,
  shouldRestart,
  stopChildren,
  wireStart,
} from './child.js';
import { type CallResult, type InitResult, type NoReplyResult, type ServerCallbacks, serve } from './server.js';
import type { Behaviour, StartInfo } from './start.js';
import { type Answer, SupervisorError, request } from './supervisor-api.js';
import { reportRestart } from './restart-report.js';
import { rememberSupervisor } from './supervisor-kinds.js';

export { SupervisorError, unwrap } from './supervisor-api.js';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** Default restart intensity: at most this many restarts in `DEFAULT_PERIOD_MS` (OTP's defaults). */
export const DEFAULT_INTENSITY = 1;
export const DEFAULT_PERIOD_MS = 5_000;

export interface SupervisorFlags {
  readonly strategy?: Strategy;
  readonly intensity?: number;
  readonly period?: number;
}

export interface ChildSpec {
  readonly id: string;
  readonly start: ChildStart;
  readonly restart?: RestartType;
  readonly shutdown?: Shutdown;
  readonly type?: ChildType;
}

export interface SupervisorInit {
  readonly flags?: SupervisorFlags;
  readonly children: readonly (ChildSpec | WireSpec)[];
}

export interface ChildInfo {
  readonly id: string;
  /** Undefined while the child is not running (terminated, or its init said `'ignore'`). */
  readonly pid: Pid | undefined;
  readonly type: ChildType;
  readonly restart: RestartType;
}

/** A running supervisor's flags, defaults filled in (`supervisorFlags`). */
export interface ResolvedFlags {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
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
    yield* serve(supervisorCallbacks(name, () => init(...args)), info, []);
  };
  rememberSupervisor(module, name, 'supervisor');
  return Object.freeze({ behaviour: 'supervisor' as const, actor: actor(module, name, body) as Actor<readonly [StartInfo, ...A]> });
}

// ─── API ────────────────────────────────────────────────────────────────────

type Request =
  | { readonly op: 'which' }
  | { readonly op: 'count' }
  | { readonly op: 'flags' }
  | { readonly op: 'start'; readonly spec: WireSpec }
  | { readonly op: 'terminate'; readonly id: string }
  | { readonly op: 'restart'; readonly id: string }
  | { readonly op: 'delete'; readonly id: string };

export function whichChildren(sup: Pid | string): Effect<ChildInfo[]> {
  return request(sup, { op: 'which' });
}

export function countChildren(sup: Pid | string): Effect<ChildCounts> {
  return request(sup, { op: 'count' });
}

/** The supervisor's strategy, intensity and period. */
export function supervisorFlags(sup: Pid | string): Effect<ResolvedFlags> {
  return request(sup, { op: 'flags' });
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
  flags: (): Request => ({ op: 'flags' }),
  start: (spec: ChildSpec): Request => ({ op: 'start', spec: toWire(spec) }),
  terminate: (id: string): Request => ({ op: 'terminate', id }),
  restart: (id: string): Request => ({ op: 'restart', id }),
  delete: (id: string): Request => ({ op: 'delete', id }),
};

// ─── Child specs on the wire ────────────────────────────────────────────────

/** A child spec as it travels in a message: actors by reference, so it can be copied. */
export interface WireSpec extends Omit<ChildSpec, 'start'> {
  readonly start: WireStart;
}

/** The copyable form of a child spec. */
export function toWire(spec: ChildSpec): WireSpec {
  return { ...spec, start: wireStart(spec.start) };
}

// ─── The supervisor's callbacks ─────────────────────────────────────────────

interface Child extends ChildPolicy {
  readonly spec: ChildSpec | WireSpec;
  pid: Pid | undefined;
  /** Its restart failed and a retry waits in the mailbox (OTP's `restarting`); `terminateChild` cancels it. */
  restarting: boolean;
}

interface State {
  readonly strategy: Strategy;
  readonly restarts: RestartIntensity;
  /** In start order. */
  readonly children: Child[];
}

function supervisorCallbacks(name: string, init: () => SupervisorInit): ServerCallbacks<readonly unknown[], State> {
  return {
    *init(): Generator<unknown, InitResult<State>, unknown> {
      trapExit(true);
      const config = init();
      const flags = config.flags ?? {};
      const state: State = {
        strategy: checkStrategy(flags.strategy ?? 'one_for_one'),
        restarts: new RestartIntensity(flags.intensity ?? DEFAULT_INTENSITY, flags.period ?? DEFAULT_PERIOD_MS),
        children: [],
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
        case 'flags': {
          const flags: ResolvedFlags = { strategy: state.strategy, intensity: state.restarts.intensity, period: state.restarts.period };
          return { reply: { ok: flags }, state };
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
          child.restarting = false;
          yield* stopOne(child);
          if (child.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
          return { reply: { ok: undefined }, state };
        }
        case 'restart': {
          const child = state.children.find((c) => c.spec.id === r.id);
          if (child === undefined) return { reply: { error: `no child ${JSON.stringify(r.id)}` }, state };
          if (child.pid !== undefined) return { reply: { error: `child ${JSON.stringify(r.id)} is running` }, state };
          if (child.restarting) return { reply: { error: `child ${JSON.stringify(r.id)} is restarting` }, state };
          const failed = yield* startOne(child);
          if (failed !== undefined) return { reply: { error: `child ${r.id} failed to start: ${JSON.stringify(failed)}` }, state };
          return { reply: { ok: child.pid }, state };
        }
        case 'delete': {
          const child = state.children.find((c) => c.spec.id === r.id);
          if (child === undefined) return { reply: { error: `no child ${JSON.stringify(r.id)}` }, state };
          if (child.pid !== undefined) return { reply: { error: `child ${JSON.stringify(r.id)} is running` }, state };
          if (child.restarting) return { reply: { error: `child ${JSON.stringify(r.id)} is restarting` }, state };
          state.children.splice(state.children.indexOf(child), 1);
          return { reply: { ok: undefined }, state };
        }
      }
    },

    *handleInfo(message: unknown, state: State): Generator<unknown, NoReplyResult<State>, unknown> {
      let child: Child | undefined;
      if (isRetry(message)) {
        child = state.children.find((c) => c.spec.id === message.id);
        if (child === undefined || !child.restarting) return { noreply: state };
        child.restarting = false;
      } else {
        if (!isExitMessage(message)) return { noreply: state };
        child = state.children.find((c) => c.pid === message.from);
        if (child === undefined) return { noreply: state };
        child.pid = undefined;
        if (!shouldRestart(child.restart, message.reason)) {
          if (child.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
          return { noreply: state };
        }
      }
      if (!state.restarts.allow()) {
        yield* stopAll(state.children);
        return { stop: 'shutdown', state };
      }
      // One report per end answered with a restart; a retry of the same restart is not another.
      if (isExitMessage(message)) reportRestart(name, child.spec.id, message.reason);
      const failed = yield* restartAfter(state, child);
      if (failed !== undefined) {
        // As OTP: a restart that fails is tried again through the mailbox, each try counting
        // towards the intensity, so calls and exits are still served between tries.
        failed.restarting = true;
        const retry: Retry = { type: '$restart', id: failed.spec.id };
        send(self(), retry);
      }
      return { noreply: state };
    },

    *terminate(_reason: ExitReason, state: State): Generator<unknown, void, unknown> {
      yield* stopAll(state.children);
    },
  };
}

/** Sent by the supervisor to itself: the restart of child `id` failed, try again. */
interface Retry {
  readonly type: '$restart';
  readonly id: string;
}

function isRetry(message: unknown): message is Retry {
  return typeof message === 'object' && message !== null && (message as Retry).type === '$restart';
}

/** Restarts after `child` ended, as the strategy says. Returns the child whose start failed, if one did. */
function* restartAfter(state: State, child: Child): Generator<unknown, Child | undefined, unknown> {
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
    if (failed !== undefined) return c;
  }
  return undefined;
}

/** Starts a child; returns undefined on success, the reason on failure. */
function* startOne(child: Child): Generator<unknown, ExitReason | undefined, unknown> {
  const started = yield* launch(child.spec.start);
  child.pid = 'ok' in started ? started.ok : undefined;
  return 'error' in started ? started.error : undefined;
}

/** Stops children in reverse start order. */
function* stopAll(children: readonly Child[]): Generator<unknown, void, unknown> {
  for (let i = children.length - 1; i >= 0; i--) yield* stopOne(children[i]!);
}

/** Stops one child as its `shutdown` says. */
function* stopOne(child: Child): Generator<unknown, void, unknown> {
  const pid = child.pid;
  if (pid === undefined) return;
  child.pid = undefined;
  yield* stopChildren([{ pid, shutdown: child.shutdown }]);
}

function childOf(spec: ChildSpec | WireSpec): Child {
  return { spec, ...policyOf(spec), pid: undefined, restarting: false };
}

function info(child: Child): ChildInfo {
  return { id: child.spec.id, pid: child.pid, type: child.type, restart: child.restart };
}

function checkStrategy(strategy: unknown): Strategy {
  if (strategy === 'one_for_one' || strategy === 'one_for_all' || strategy === 'rest_for_one') return strategy;
  throw new SupervisorError(`unknown strategy ${JSON.stringify(strategy)}: one_for_one, one_for_all or rest_for_one`);
}
