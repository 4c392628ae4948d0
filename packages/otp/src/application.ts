/**
 * Application: a multi-threaded runtime with a supervision tree at its root
 * (OTP's application start and stop).
 *
 * `Strand.start({ children, ...runtimeOptions })` starts the scheduler
 * threads, then a root supervisor with `children` (started in order, each
 * behaviour after the previous one's `init` finished), and resolves once
 * the whole tree is up. `app.stop()` — and, unless `handleSignals: false`,
 * SIGINT or SIGTERM — stops the tree in reverse order, honouring each
 * child's shutdown timeout (PM2's kill_timeout, done per child), then stops
 * the runtime; a signal then exits the Node process with code 0. SIGHUP
 * (also unless `handleSignals: false`) and `app.reload()` load new code
 * (see `Runtime.reload`): the tree keeps running, new processes run the new
 * code.
 *
 * Behind the root supervisor is an application master process on the main
 * thread, which no stall or out-of-memory takes down: the root's parent,
 * which orders its shutdown and reports its end. A root lost with its
 * thread (`'noconnection'`: not its own fault) is started again, with the
 * whole tree, within the root's own restart intensity; `app.root` is then
 * the new one. If the root gives up (its restart intensity was exceeded),
 * `app.exited` resolves with its reason and the runtime keeps running for
 * the host to decide.
 */
import {
  type ExitReason,
  type Inbox,
  type Pid,
  type Ref,
  TIMEOUT,
  actor,
  exit,
  isDownMessage,
  isExitMessage,
  receive,
  send,
  sleep,
  trapExit,
} from '@strand/core';
import { type ReloadReport, type Runtime, Strand as Pool, type StrandOptions } from '@strand/pool';
import { DEFAULT_CALL_TIMEOUT_MS, callFrom } from './call.js';
import { RestartIntensity } from './child.js';
import { startLink } from './start.js';
import {
  type ChildInfo,
  type ChildSpec,
  DEFAULT_INTENSITY,
  DEFAULT_PERIOD_MS,
  type SupervisorFlags,
  type WireSpec,
  SupervisorRequests,
  supervisor,
  toWire,
  unwrap,
} from './supervisor.js';

export interface ApplicationOptions extends StrandOptions {
  /** The root supervisor's children. */
  readonly children?: readonly ChildSpec[];
  /** The root supervisor's flags; default one_for_one, 1 restart in 5 s. */
  readonly flags?: SupervisorFlags;
  /** Stop the tree and exit on SIGINT and SIGTERM; default true. */
  readonly handleSignals?: boolean;
}

/** The root supervisor: its children arrive as copyable specs. */
export const RootSupervisor = supervisor(import.meta.url, 'strand.RootSupervisor', (flags: SupervisorFlags, children: readonly WireSpec[]) => ({
  flags,
  children,
}));

/** Starts of a root lost with its thread, before the application gives up. */
const ROOT_START_ATTEMPTS = 5;
/** Between two of those starts, in ms: time for the old tree's processes on other threads to end. */
const ROOT_RETRY_MS = 100;

type MasterReport = { readonly type: 'up'; readonly root: Pid } | { readonly type: 'down'; readonly reason: ExitReason };

/**
 * Starts the root and reports it up; starts it again if it was lost with its
 * thread; on 'stop' orders its shutdown; reports its end either way.
 */
export const ApplicationMaster = actor(
  import.meta.url,
  'strand.ApplicationMaster',
  function* (host: Pid, flags: SupervisorFlags, children: readonly WireSpec[]) {
    trapExit(true);
    const restarts = new RestartIntensity(flags.intensity ?? DEFAULT_INTENSITY, flags.period ?? DEFAULT_PERIOD_MS);
    // Every way out of the loop sets it; the compiler cannot see through the inner loop's break.
    let reason: ExitReason = 'shutdown';
    for (let restarting = false; ; restarting = true) {
      let root: Pid | undefined;
      for (let attempt = 1; root === undefined; attempt++) {
        try {
          root = (yield* startLink(RootSupervisor, flags, children))!;
        } catch (error) {
          // After a lost thread, the old tree's processes elsewhere may still hold names the new one
          // takes (a nested supervisor stops its children in its own time): try again, a few times.
          if (!restarting || attempt >= ROOT_START_ATTEMPTS) {
            reason = { shutdown: (error as Error).message };
            break;
          }
          yield* sleep(ROOT_RETRY_MS);
        }
      }
      if (root === undefined) break;
      const up: MasterReport = { type: 'up', root };
      send(host, up);
      const m = yield* receive((x) => x === 'stop' || (isExitMessage(x) && x.from === root));
      if (m === 'stop') {
        exit(root, 'shutdown');
        const down = yield* receive((x) => isExitMessage(x) && x.from === root);
        reason = (down as { reason: ExitReason }).reason;
        break;
      }
      reason = (m as { reason: ExitReason }).reason;
      if (reason !== 'noconnection' || !restarts.allow()) break;
    }
    const report: MasterReport = { type: 'down', reason };
    send(host, report);
  },
);

export class Application {
  /** Resolves with the root supervisor's exit reason when the tree ends for good. */
  readonly exited: Promise<ExitReason>;
  private stopping: Promise<void> | undefined;
  private readonly onSignal = (): void => {
    void this.stop().then(() => process.exit(0));
  };

  private readonly onHangup = (): void => {
    this.reload().then(
      (report) => process.stderr.write(`[strand] reloaded: generation ${report.generation} on schedulers ${report.schedulers.join(', ')}\n`),
      (error: unknown) => process.stderr.write(`[strand] reload failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  };

  private constructor(
    readonly runtime: Runtime,
    private currentRoot: Pid,
    private readonly master: Pid,
    private readonly reports: Inbox,
    masterDown: Ref,
    handleSignals: boolean,
  ) {
    this.exited = this.followMaster(masterDown);
    if (handleSignals) {
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
      process.on('SIGHUP', this.onHangup);
    }
  }

  /** The root supervisor: a new one after the root was lost with its thread and started again. */
  get root(): Pid {
    return this.currentRoot;
  }

  /**
   * The master's reports until its end. A master lost with its thread (only
   * a kill can do that: it lives on the main thread) reports nothing, and a
   * stop must not wait for it for ever: its monitor's DOWN ends it too.
   */
  private async followMaster(masterDown: Ref): Promise<ExitReason> {
    for (;;) {
      const m = await this.reports.receive((x) => has(x, 'up') || isMasterEnd(x, masterDown));
      if (m === TIMEOUT) return 'shutdown';
      if (has(m, 'up')) this.currentRoot = (m as { root: Pid }).root;
      else return (m as { reason: ExitReason }).reason;
    }
  }

  static async start(options: ApplicationOptions = {}): Promise<Application> {
    const runtime = await Pool.start(options);
    const reports = runtime.inbox();
    const master = runtime.spawnOn(0, ApplicationMaster, reports.pid, options.flags ?? {}, (options.children ?? []).map(toWire));
    const masterDown = reports.monitor(master);
    const first = await reports.receive((m) => has(m, 'up') || isMasterEnd(m, masterDown));
    if (!has(first, 'up')) {
      await runtime.stop();
      throw new Error('the application did not start');
    }
    return new Application(runtime, (first as { root: Pid }).root, master, reports, masterDown, options.handleSignals ?? true);
  }

  /** `call` from plain code (see `callFrom`). */
  call<R = unknown>(server: Pid | string, request: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<R> {
    return callFrom<R>(this.runtime, server, request, timeoutMs);
  }

  /** Loads new code: new processes run it from now on (see `Runtime.reload`). */
  reload(): Promise<ReloadReport> {
    return this.runtime.reload();
  }

  /** The root supervisor's children. */
  async whichChildren(): Promise<ChildInfo[]> {
    return unwrap<ChildInfo[]>(await this.call(this.root, SupervisorRequests.which(), Infinity));
  }

  /**
   * Stops the tree (children in reverse order, each within its shutdown
   * timeout), then the runtime. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      process.removeListener('SIGINT', this.onSignal);
      process.removeListener('SIGTERM', this.onSignal);
      process.removeListener('SIGHUP', this.onHangup);
      this.runtime.send(this.master, 'stop');
      await this.exited;
      this.reports.close();
      await this.runtime.stop();
    })();
    return this.stopping;
  }
}

function has(m: unknown, type: MasterReport['type']): boolean {
  return typeof m === 'object' && m !== null && (m as MasterReport).type === type;
}

/** The master's 'down' report, or the DOWN of its monitor. */
function isMasterEnd(m: unknown, masterDown: Ref): boolean {
  return has(m, 'down') || (isDownMessage(m) && m.ref === masterDown);
}

/** `Strand.start({ children, schedulers, ... })`: a runtime with a supervision tree. */
export const Strand = {
  start: (options?: ApplicationOptions): Promise<Application> => Application.start(options),
};
