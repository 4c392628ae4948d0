/**
 * DynamicSupervisor: a supervisor whose children are started on demand
 * (Elixir's `DynamicSupervisor`), such as one process per connection.
 *
 * ```ts
 * export const Handlers = dynamicSupervisor(import.meta.url, 'Handlers', () => ({ maxChildren: 10_000 }));
 *
 * const sup = yield* startLink(Handlers);
 * const pid = yield* startDynamicChild(sup, { start: { actor: Handler, args: [id] }, restart: 'temporary' });
 * ```
 *
 * It starts with no children and runs as a Server that traps exits. Its
 * optional `init(...args)` runs inside it (register a name there) and
 * returns its flags:
 * - `maxChildren` (default Infinity): starting a child beyond it fails with
 *   `MaxChildrenError`;
 * - `intensity` and `period`: more than `intensity` restarts (default 3)
 *   within `period` ms (default 5000), Elixir's defaults, and the
 *   supervisor stops its children and exits with `'shutdown'`, leaving the
 *   decision to its own supervisor. A restart whose start fails is tried
 *   again, each try counting towards the intensity.
 *
 * Child spec (`DynamicChildSpec`): `start`, `restart` (default
 * `'permanent'`) and `shutdown` as for Supervisor, and no id: a child is
 * known by its pid, and a restarted child gets a new one. Only the child
 * that ended is restarted (one_for_one).
 *
 * When the supervisor stops, its children stop concurrently: each gets its
 * exit signal first, then the supervisor waits for all of them and kills
 * those that outlive their `shutdown`. Ten thousand children with a 5 s
 * shutdown take 5 s at most, not ten thousand times that. Children are kept
 * by pid, so an exit costs the same with ten children or ten thousand.
 *
 * API (inside processes; from plain code, `callFrom` with a
 * `DynamicSupervisorRequests` request, then `unwrap`): `startDynamicChild`,
 * `terminateDynamicChild`, `whichDynamicChildren`, `countDynamicChildren`,
 * and `SupervisorRequests.flags()` answered as by a Supervisor (strategy
 * `'one_for_one'`). Each restart is reported as a Supervisor's are
 * (restart-report.ts), with a null child id.
 */
import { type Actor, type Effect, type ExitReason, type Pid, actor, formatExitReason, formatPid, isExitMessage, self, send, trapExit } from '@strand/core';
import type { From } from './call.js';
import type { ChildPolicy, ChildStart, ChildType, RestartType, Shutdown, WireStart } from './child.js';
import { RestartIntensity, launch, policyOf, shouldRestart, stopChildren, wireStart } from './child.js';
import { type CallResult, type NoReplyResult, type ServerCallbacks, serve } from './server.js';
import type { Behaviour, StartInfo } from './start.js';
import { type Answer, SupervisorError, request } from './supervisor-api.js';
import type { ChildCounts, ResolvedFlags } from './supervisor.js';
import { reportRestart } from './restart-report.js';
import { rememberSupervisor } from './supervisor-kinds.js';

/** Default restart intensity: at most this many restarts in `DEFAULT_DYNAMIC_PERIOD_MS` (Elixir's defaults). */
export const DEFAULT_DYNAMIC_INTENSITY = 3;
export const DEFAULT_DYNAMIC_PERIOD_MS = 5_000;
/** Default `maxChildren`: no limit, as in Elixir. */
export const DEFAULT_MAX_CHILDREN = Infinity;

export interface DynamicSupervisorFlags {
  readonly maxChildren?: number;
  readonly intensity?: number;
  readonly period?: number;
}

export interface DynamicChildSpec {
  readonly start: ChildStart;
  readonly restart?: RestartType;
  readonly shutdown?: Shutdown;
}

export interface DynamicChildInfo {
  readonly pid: Pid;
  readonly type: ChildType;
  readonly restart: RestartType;
}

export interface DynamicSupervisorDef<A extends readonly unknown[]> extends Behaviour<A> {
  readonly behaviour: 'supervisor';
}

/** Defines a DynamicSupervisor; define it once at module top level. */
export function dynamicSupervisor<A extends readonly unknown[] = []>(
  module: string,
  name: string,
  init?: (...args: A) => DynamicSupervisorFlags,
): DynamicSupervisorDef<A> {
  const body = function* (info: StartInfo, ...args: A): Generator<unknown, void, unknown> {
    yield* serve(dynamicCallbacks(name, () => init?.(...args) ?? {}), info, []);
  };
  rememberSupervisor(module, name, 'dynamic');
  return Object.freeze({ behaviour: 'supervisor' as const, actor: actor(module, name, body) as Actor<readonly [StartInfo, ...A]> });
}

// ─── API ────────────────────────────────────────────────────────────────────

type Request =
  | { readonly op: 'which' }
  | { readonly op: 'count' }
  | { readonly op: 'flags' }
  | { readonly op: 'start'; readonly spec: WireSpec }
  | { readonly op: 'terminate'; readonly pid: Pid };

/** A child spec as it travels in a message: actors by reference, so it can be copied. */
interface WireSpec extends Omit<DynamicChildSpec, 'start'> {
  readonly start: WireStart;
}

/** The request each API function sends, for `callFrom` in plain code. */
export const DynamicSupervisorRequests = {
  which: (): Request => ({ op: 'which' }),
  count: (): Request => ({ op: 'count' }),
  start: (spec: DynamicChildSpec): Request => ({ op: 'start', spec: { ...spec, start: wireStart(spec.start) } }),
  terminate: (pid: Pid): Request => ({ op: 'terminate', pid }),
};

/**
 * Starts a child and returns its pid (undefined if its init said
 * `'ignore'`). Throws `MaxChildrenError` when the supervisor is full,
 * `SupervisorError` when the child failed to start.
 */
export function startDynamicChild(sup: Pid | string, spec: DynamicChildSpec): Effect<Pid | undefined> {
  return request(sup, DynamicSupervisorRequests.start(spec));
}

/** Stops a child as its `shutdown` says; it is not restarted. */
export function terminateDynamicChild(sup: Pid | string, pid: Pid): Effect<void> {
  return request(sup, DynamicSupervisorRequests.terminate(pid));
}

export function whichDynamicChildren(sup: Pid | string): Effect<DynamicChildInfo[]> {
  return request(sup, DynamicSupervisorRequests.which());
}

export function countDynamicChildren(sup: Pid | string): Effect<ChildCounts> {
  return request(sup, DynamicSupervisorRequests.count());
}

// ─── The supervisor's callbacks ─────────────────────────────────────────────

interface Child extends ChildPolicy {
  readonly start: WireStart;
}

interface State {
  readonly maxChildren: number;
  readonly restarts: RestartIntensity;
  readonly children: Map<Pid, Child>;
}

function dynamicCallbacks(name: string, init: () => DynamicSupervisorFlags): ServerCallbacks<readonly unknown[], State> {
  return {
    init() {
      trapExit(true);
      const flags = init();
      const state: State = {
        maxChildren: checkMaxChildren(flags.maxChildren ?? DEFAULT_MAX_CHILDREN),
        restarts: new RestartIntensity(flags.intensity ?? DEFAULT_DYNAMIC_INTENSITY, flags.period ?? DEFAULT_DYNAMIC_PERIOD_MS),
        children: new Map(),
      };
      return { ok: state };
    },

    *handleCall(req: unknown, _from: From, state: State): Generator<unknown, CallResult<State, Answer<unknown>>, unknown> {
      const r = req as Request;
      switch (r.op) {
        case 'which':
          return { reply: { ok: [...state.children].map(([pid, c]) => ({ pid, type: c.type, restart: c.restart })) }, state };
        case 'count': {
          let supervisors = 0;
          for (const c of state.children.values()) if (c.type === 'supervisor') supervisors += 1;
          const n = state.children.size;
          return { reply: { ok: { specs: n, active: n, supervisors, workers: n - supervisors } }, state };
        }
        case 'flags': {
          const flags: ResolvedFlags = { strategy: 'one_for_one', intensity: state.restarts.intensity, period: state.restarts.period };
          return { reply: { ok: flags }, state };
        }
        case 'start': {
          if (state.children.size >= state.maxChildren) return { reply: { maxChildren: state.maxChildren }, state };
          const started = yield* launch(r.spec.start);
          if ('error' in started) return { reply: { error: `child failed to start: ${formatExitReason(started.error)}` }, state };
          if (started.ok !== undefined) state.children.set(started.ok, { start: r.spec.start, ...policyOf(r.spec) });
          return { reply: { ok: started.ok }, state };
        }
        case 'terminate': {
          const child = state.children.get(r.pid);
          if (child === undefined) return { reply: { error: `${formatPid(r.pid)} is not a child of this supervisor` }, state };
          state.children.delete(r.pid);
          yield* stopChildren([{ pid: r.pid, shutdown: child.shutdown }]);
          return { reply: { ok: undefined }, state };
        }
        default:
          return { reply: { error: `a DynamicSupervisor does not answer ${JSON.stringify(req)}` }, state };
      }
    },

    *handleInfo(message: unknown, state: State): Generator<unknown, NoReplyResult<State>, unknown> {
      if (isRetry(message)) return yield* restart(name, state, message.child, undefined);
      if (!isExitMessage(message)) return { noreply: state };
      const child = state.children.get(message.from);
      if (child === undefined) return { noreply: state };
      state.children.delete(message.from);
      if (!shouldRestart(child.restart, message.reason)) return { noreply: state };
      return yield* restart(name, state, child, message.reason);
    },

    *terminate(_reason: unknown, state: State): Generator<unknown, void, unknown> {
      yield* stopAll(state);
    },
  };
}

/** Sent by the supervisor to itself: a restart failed, try again. */
interface Retry {
  readonly type: '$restart';
  readonly child: Child;
}

function isRetry(message: unknown): message is Retry {
  return typeof message === 'object' && message !== null && (message as Retry).type === '$restart';
}

/**
 * Starts `child` again (after it ended with `ended`, or as a retry) if the
 * intensity allows, else stops everything. A start that fails is tried
 * again later, through the mailbox so that calls are answered meanwhile,
 * each try counting towards the intensity
 * (Elixir's try_again_restart).
 */
function* restart(name: string, state: State, child: Child, ended: ExitReason | undefined): Generator<unknown, NoReplyResult<State>, unknown> {
  if (!state.restarts.allow()) {
    yield* stopAll(state);
    return { stop: 'shutdown', state };
  }
  // One report per end answered with a restart (`ended`); a retry of the same restart is not another.
  if (ended !== undefined) reportRestart(name, null, ended);
  const started = yield* launch(child.start);
  if ('error' in started) {
    const retry: Retry = { type: '$restart', child };
    send(self(), retry);
  } else if (started.ok !== undefined) {
    state.children.set(started.ok, child);
  }
  return { noreply: state };
}

function* stopAll(state: State): Generator<unknown, void, unknown> {
  const running = [...state.children].map(([pid, c]) => ({ pid, shutdown: c.shutdown }));
  state.children.clear();
  yield* stopChildren(running);
}

function checkMaxChildren(value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !(Number.isInteger(value) || value === Infinity)) {
    throw new SupervisorError(`maxChildren must be a whole number >= 0 or Infinity, got ${String(value)}`);
  }
  return value;
}
