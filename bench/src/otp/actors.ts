/**
 * The processes of the restart-latency benchmark (src/otp/restart.ts). This
 * module only defines actors, so that the scheduler threads of a pool can
 * import it without running anything.
 *
 * - `Child`: a Server registered as `CHILD_NAME` in its `init`; answers the
 *   call `'ping'` with `'pong'` and crashes (throws an Error) on the cast `'crash'`.
 * - `Sup`: a one_for_one Supervisor with `Child` as its only (permanent) child.
 * - `Yielder`: answers `'tock'` to any pid sent to it. The driver bounces off
 *   it between two polls to let the other processes run (Strand has no
 *   `erlang:yield()`: a process gives up the scheduler only by blocking).
 * - `Driver`: starts a supervisor, crashes its child `crashes` times back to
 *   back and times each restart; sends the figures to `reportTo`.
 *
 * Erlang counterpart: erlang/restart/restart_bench.erl, the same processes
 * and the same loop.
 */
import { type Pid, actor, exit, monitor, receive, register, self, send, unlink, whereis } from '@strand/core';
import { CallError, call, cast, server, startLink, supervisor } from '@strand/otp';
import { ownerOf } from '@strand/core/runtime';

/**
 * The warm-up runs as this many supervisors, one after another: stopping one
 * and starting the next takes paths the restarts alone do not (DOWN,
 * `'shutdown'`), and V8 deoptimises a score of hot functions the first time
 * it sees them; after a second round it no longer does.
 */
const WARMUP_ROUNDS = 5;

export const CHILD_NAME = 'bench.restart.child';
const TOCK = 'tock';

export const Child = server(import.meta.url, 'bench.restart.Child', {
  init() {
    // gen_server:start_link({local, Name}, ...) registers before init; here init is the first thing that runs.
    register(CHILD_NAME);
    return { ok: null };
  },
  handleCall(request: unknown, _from, state: null) {
    if (request !== 'ping') throw new Error(`unexpected call ${String(request)}`);
    return { reply: 'pong', state };
  },
  handleCast(request: unknown, state: null) {
    if (request === 'crash') throw new Error('crash');
    return { noreply: state };
  },
});

export const Sup = supervisor(import.meta.url, 'bench.restart.Sup', (intensity: number, periodMs: number) => ({
  flags: { strategy: 'one_for_one', intensity, period: periodMs },
  children: [{ id: 'child', start: { actor: Child, args: [] } }],
}));

export const Yielder = actor(import.meta.url, 'bench.restart.Yielder', function* yielder() {
  for (;;) {
    const to = (yield* receive()) as Pid;
    send(to, TOCK);
  }
});

/** What the driver sends back. */
export interface DriverReport {
  readonly type: 'restart-report';
  /** Crash → new child registered and answering, µs, in crash order. */
  readonly latenciesUs: number[];
  /** Polls (whereis, or a failed ping) per restart. */
  readonly polls: number[];
  /** Scheduler index of the driver, the supervisor and each restarted child (pool runs). */
  readonly driverOn: number;
  readonly supervisorOn: number;
  readonly childOn: number[];
}

/**
 * Warm-up: `warmup` crashes spread over `WARMUP_ROUNDS` supervisors
 * (intensity/period as given), each started, crashed and stopped in turn;
 * then a fresh supervisor whose child is crashed `crashes` times, each
 * restart timed. The warm-up warms the JIT without leaving restart history
 * behind. Ends by sending a `DriverReport` to `reportTo`.
 */
export const Driver = actor(
  import.meta.url,
  'bench.restart.Driver',
  function* driver(reportTo: Pid, yielder: Pid, crashes: number, warmup: number, intensity: number, periodMs: number) {
    const me = self();
    const bounce = function* (): Generator<unknown, void, unknown> {
      send(yielder, me);
      yield* receive((m) => m === TOCK);
    };

    /** One crash and restart; returns [latency µs, polls, child's pid]. */
    const once = function* (): Generator<unknown, [number, number, Pid], unknown> {
      const old = whereis(CHILD_NAME);
      if (old === undefined) throw new Error('no child registered before the crash');
      const t0 = performance.now();
      cast(old, 'crash');
      let polls = 0;
      for (;;) {
        const pid = whereis(CHILD_NAME);
        if (pid !== undefined && pid !== old) {
          try {
            if ((yield* call(pid, 'ping')) === 'pong') return [(performance.now() - t0) * 1000, polls, pid];
          } catch (error) {
            if (!(error instanceof CallError)) throw error;
          }
        }
        polls += 1;
        yield* bounce();
      }
    };

    const stop = function* (sup: Pid): Generator<unknown, void, unknown> {
      const ref = monitor(sup);
      unlink(sup);
      exit(sup, 'shutdown');
      yield* receive((m) => typeof m === 'object' && m !== null && (m as { ref?: unknown }).ref === ref);
    };

    for (let round = 0; round < WARMUP_ROUNDS && warmup > 0; round++) {
      const sup = (yield* startLink(Sup, intensity, periodMs))!;
      for (let i = 0; i < warmup / WARMUP_ROUNDS; i++) yield* once();
      yield* stop(sup);
    }

    const sup = (yield* startLink(Sup, intensity, periodMs))!;
    const latenciesUs: number[] = new Array(crashes);
    const polls: number[] = new Array(crashes);
    const childOn: number[] = new Array(crashes);
    for (let i = 0; i < crashes; i++) {
      const [us, n, pid] = yield* once();
      latenciesUs[i] = us;
      polls[i] = n;
      childOn[i] = ownerOf(pid);
    }
    yield* stop(sup);
    const report: DriverReport = {
      type: 'restart-report',
      latenciesUs,
      polls,
      driverOn: ownerOf(me),
      supervisorOn: ownerOf(sup),
      childOn,
    };
    send(reportTo, report);
  },
);
