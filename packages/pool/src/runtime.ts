/**
 * Runtime: Strand on every core.
 *
 * `Strand.start()` starts one scheduler per worker thread (default: one per
 * core) and keeps a light scheduler on the main thread for plain code: it
 * hosts inboxes and I/O, and never gets processes placed on it. Processes do
 * not care which thread they run on: pids route messages and signals to the
 * right thread, names live in shared memory, and placement reads every
 * scheduler's load from shared memory too.
 *
 * Threads and indices: the main thread's scheduler is index 0, worker
 * schedulers are 1..N. Every pair of threads has its own MessageChannel for
 * envelopes; each worker also has a control port (comlink) and reports
 * crashes and lost envelopes as events.
 *
 * A lost thread (stalled: stall-watchdog.ts; or its worker died) is
 * replaced: a new thread takes its index. Every process that lived there is
 * gone: a stuck one with a `StallError` reason, the others with
 * `'noconnection'`, and links and monitors elsewhere see exactly that.
 *
 * Parts: options (runtime-options.ts), the threads and their channels
 * (threads.ts), reload generations (reload.ts), the stall watchdog
 * (stall-watchdog.ts); this module is the runtime's face and their wiring.
 */
import {
  type Actor,
  type ExitReason,
  type ExitReasonInput,
  type Inbox,
  InvalidOptionError,
  type Pid,
  type ProcessInfo,
  Scheduler,
  isPid,
} from '@strand/core';
import { BOARD_LAST_SERIAL, BOARD_RUNNING_PID, type Batch, SCHEDULER_SLOTS, ownerOf } from '@strand/core/runtime';
import { Boards } from './boards.js';
import { CrashLog } from './crash-log.js';
import { MAIN_THREAD, type SchedulerControl, type ThreadStats, controlFor } from './control.js';
import { DIRTY_SERVICE } from './dirty.js';
import { DirtyService } from './dirty-service.js';
import { haltAtEntryPoint, runtimeThreadKind } from './entry-point.js';
import { inheritedLoaders } from './inherited-loader.js';
import { LeastLoaded } from './least-loaded.js';
import { ThreadMeter } from './meter.js';
import { PortRouter } from './port-router.js';
import { Generations, type ReloadReport } from './reload.js';
import { REMOTE_BATCH, RemoteDelivery, type RemoteNodes } from './remote-nodes.js';
import { type RuntimeSettings, type StrandOptions, readRuntimeOptions, tuning } from './runtime-options.js';
import { SharedRegistry } from './shared-registry.js';
import { StallWatchdog } from './stall-watchdog.js';
import type { ThreadEvent } from './thread-protocol.js';
import { SchedulerThreads, type Thread, release } from './threads.js';

export class Runtime {
  private readonly scheduler: Scheduler;
  private readonly router: PortRouter;
  private readonly meter: ThreadMeter;
  private readonly mainControl: SchedulerControl;
  private readonly threads: SchedulerThreads;
  private readonly generations: Generations;
  private readonly watchdog: StallWatchdog;
  /** Indices being replaced (or whose stall was reported): no other work touches them meanwhile. */
  private readonly replacing = new Set<number>();
  /** Thread work under way (replacements, retirements): a stop waits for it. */
  private readonly replacements = new Set<Promise<void>>();
  private dirtyService: DirtyService | undefined;
  private stopping: Promise<void> | undefined;
  private readonly log: CrashLog;
  /** The main thread's TypeScript loader, which each thread registers first. */
  private readonly loaders: readonly string[];
  readonly schedulers: number;

  private constructor(
    private readonly settings: RuntimeSettings,
    private readonly boards: Boards,
    private readonly registry: SharedRegistry,
    private readonly remote: RemoteNodes | undefined,
  ) {
    this.schedulers = settings.schedulers;
    this.log = new CrashLog(settings.onCrash);
    this.loaders = inheritedLoaders(settings.execArgv ?? process.execArgv);
    const first = Array.from({ length: settings.schedulers }, (_, i) => i + 1);
    this.router = new PortRouter(
      (envelope, error) => this.log.undeliverable({ type: 'undeliverable', to: envelope.to, kind: envelope.kind, error: String(error) }),
      'immediate',
      { index: MAIN_THREAD, accept: (batch) => this.generations.answerForRetired(batch) },
    );
    if (remote !== undefined) this.router.sendRemoteTo((to, encoded) => remote.send(to, encoded), remote.maxEnvelopeBytes);
    const placement = new LeastLoaded(boards, first);
    this.scheduler = new Scheduler({
      ...tuning(settings),
      index: MAIN_THREAD,
      router: this.router,
      placement,
      registry,
      board: boards.board(0),
      onCrash: (report) => this.log.crashed(report),
    });
    this.meter = new ThreadMeter(this.scheduler, boards.board(0));
    this.mainControl = controlFor(MAIN_THREAD, 0, this.scheduler, this.router, this.meter, placement);
    this.threads = new SchedulerThreads({
      settings,
      boards,
      registry,
      router: this.router,
      loaders: this.loaders,
      current: () => this.generations.current,
      accept: (batch) => this.acceptFromThread(batch),
      onEvent: (thread, event) => this.onThreadEvent(thread, event),
      onLost: (thread) => {
        if (this.stopping === undefined) this.startReplacing(thread.index, 0 as Pid, 'noconnection');
      },
    });
    this.generations = new Generations(
      {
        schedulers: settings.schedulers,
        threads: this.threads,
        mainControl: this.mainControl,
        boards,
        registry,
        isStopping: () => this.stopping !== undefined,
        isReplacing: (index) => this.replacing.has(index),
        track: (work) => this.track(work),
        reloadDirty: () => this.dirtyService?.reload(),
        accept: (batch) => this.scheduler.accept(batch),
        undeliverable: (event) => this.log.undeliverable(event),
      },
      first,
    );
    this.watchdog = new StallWatchdog({
      settings,
      boards,
      threads: this.threads,
      replacing: this.replacing,
      replace: (index, pid, reason) => this.startReplacing(index, pid, reason),
    });
  }

  /**
   * Starts the scheduler threads and resolves once every one is ready.
   * In one of the runtime's own threads (which import the program's module
   * to find its actors) it never resolves: see entry-point.ts.
   */
  static async start(options: StrandOptions = {}): Promise<Runtime> {
    if (runtimeThreadKind() !== undefined) return haltAtEntryPoint();
    const settings = readRuntimeOptions(options);
    const remote = settings.remote === undefined ? undefined : await settings.remote();
    let runtime: Runtime;
    try {
      const limit = remote?.maxEnvelopeBytes === undefined ? {} : { remoteEnvelopeBytes: remote.maxEnvelopeBytes };
      runtime = new Runtime({ ...settings, node: remote?.node ?? 0, ...limit }, new Boards(), new SharedRegistry({ maxNames: settings.maxNames }), remote);
    } catch (error) {
      await remote?.close();
      throw error;
    }
    try {
      await runtime.startThreads();
      runtime.startDirtyService();
      remote?.attach(new RemoteDelivery(runtime.scheduler, (node) => runtime.tellThreadsLost(node), runtime.router));
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    return runtime;
  }

  // ─── Processes, from plain code ───────────────────────────────────────────

  /** Starts `actor(...args)` on the least-loaded scheduler and returns its pid at once. */
  spawn<A extends readonly unknown[], M = any>(actor: Actor<A, M>, ...args: A): Pid<M> {
    return this.scheduler.spawn(actor, ...args);
  }

  /**
   * Starts `actor(...args)` on the `scheduler`-th worker scheduler (1..N) of
   * the current generation, or with 0 on the main thread: for a small
   * coordinating process that must outlive any worker thread (a stall or an
   * out-of-memory thread takes its processes with it), never for work.
   */
  spawnOn<A extends readonly unknown[], M = any>(scheduler: number, actor: Actor<A, M>, ...args: A): Pid<M> {
    if (!Number.isInteger(scheduler) || scheduler < 0 || scheduler > this.schedulers) {
      throw new InvalidOptionError('scheduler', scheduler, `0 (the main thread) or a worker scheduler index from 1 to ${this.schedulers}`);
    }
    const owner = scheduler === 0 ? MAIN_THREAD : this.generations.current[scheduler - 1]!;
    return this.scheduler.spawnOn(owner, actor, ...args);
  }

  /** Sends `message` to a pid or registered name; to a typed `Pid<M>`, only an `M` compiles. */
  send<M = unknown>(dest: Pid<M> | string, message: NoInfer<M>): void {
    this.scheduler.send(dest, message);
  }

  exit(pid: Pid, reason: ExitReasonInput): void {
    this.scheduler.exit(pid, reason);
  }

  /** Kills `pid` (exit reason `'kill'`, untrappable). */
  kill(pid: Pid): void {
    this.scheduler.exit(pid, 'kill');
  }

  register(name: string, pid: Pid): void {
    this.scheduler.register(name, pid);
  }

  unregister(name: string): void {
    this.scheduler.unregister(name);
  }

  whereis(name: string): Pid | undefined {
    return this.scheduler.whereis(name);
  }

  registered(): string[] {
    return this.scheduler.registered();
  }

  /** A mailbox for plain async code, on the main thread. */
  inbox<M = any>(): Inbox<M> {
    return this.scheduler.inbox<M>();
  }

  /**
   * Traces `pid`, wherever it runs: what it receives and sends, its spawns
   * and its end go to `tracer` as `TraceEvent` messages, at most `limit`
   * (default 100), then an `'end'`; `limit: 0` stops. See core's trace.ts.
   */
  trace(pid: Pid, options: { readonly tracer: Pid; readonly limit?: number }): void {
    this.scheduler.trace(pid, options);
  }

  /** Resolves with `pid`'s exit reason once it ends, wherever it runs. */
  awaitExit(pid: Pid): Promise<ExitReason> {
    return this.scheduler.awaitExit(pid);
  }

  // ─── Control plane ────────────────────────────────────────────────────────

  /**
   * What `pid`'s scheduler knows of it; undefined once it is gone. Answers
   * after everything this thread sent before the call has been applied
   * there (a barrier on the data port: the control port is not ordered with it).
   */
  async processInfo(pid: Pid): Promise<ProcessInfo | undefined> {
    if (!isPid(pid)) return this.scheduler.processInfo(pid);
    const owner = ownerOf(pid);
    if (owner === 0) return this.scheduler.processInfo(pid);
    const thread = this.threads.get(owner);
    // A thread being replaced or retired answers nothing (its processes are gone): no question to it.
    if (thread === undefined || thread.retiring) return undefined;
    await this.threads.barrier(owner);
    return thread.control.processInfo(pid);
  }

  /**
   * The first `count` messages in `pid`'s mailbox, oldest first, after a
   * barrier as for `processInfo`; undefined if it is not a live process.
   */
  async mailboxPreview(pid: Pid, count: number): Promise<unknown[] | undefined> {
    const owner = isPid(pid) ? ownerOf(pid) : 0;
    if (owner === 0) return this.scheduler.mailboxPreview(pid, count);
    const thread = this.threads.get(owner);
    if (thread === undefined || thread.retiring) return undefined;
    await this.threads.barrier(owner);
    return thread.control.mailboxPreview(pid, count);
  }

  /** Every live process of every scheduler, after a barrier with each (see `processInfo`). */
  async processes(): Promise<ProcessInfo[]> {
    const threads = this.live();
    await Promise.all(threads.map((t) => this.threads.barrier(t.index)));
    const lists = await Promise.all([this.mainControl.processes(), ...threads.map((t) => t.control.processes())]);
    return lists.flat();
  }

  /** Per-scheduler figures, main thread (index 0) first. */
  async stats(): Promise<ThreadStats[]> {
    return Promise.all([this.mainControl.stats(), ...this.live().map((t) => t.control.stats())]);
  }

  /** Threads that answer: not those being replaced or retired, whose workers are going or gone. */
  private live(): Thread[] {
    return this.threads.all().filter((t) => !t.retiring);
  }

  /**
   * Ends every process with reason `'shutdown'`, stops the threads and
   * releases everything; nothing of the runtime keeps Node alive afterwards.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  // ─── Reload ───────────────────────────────────────────────────────────────

  /**
   * Loads the actor modules anew: starts a new generation of scheduler
   * threads and sends every new process there (see reload.ts). Resolves
   * once the new generation takes new processes; the old threads drain in
   * the background. A reload while one is under way joins it.
   */
  reload(): Promise<ReloadReport> {
    return this.generations.reload();
  }

  // ─── Threads ──────────────────────────────────────────────────────────────

  private async startThreads(): Promise<void> {
    const indices = this.generations.current;
    const portsOf = await this.threads.wire(indices, []);
    const deadUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
    await Promise.all(indices.map((i) => this.threads.start(i, 0, portsOf.get(i)!, 0, deadUpTo)));
  }

  /** A batch a worker posted to the main thread: for its scheduler, or encoded envelopes for other nodes. */
  private acceptFromThread(batch: Batch): void {
    if (batch[0] !== REMOTE_BATCH) {
      this.scheduler.accept(batch);
      return;
    }
    for (let i = 1; i < batch.length; i += 2) this.remote?.send(batch[i] as Pid, batch[i + 1] as Uint8Array);
  }

  private async tellThreadsLost(node: number): Promise<void> {
    // What arrived from `node` before it was lost went out on the data ports, the loss goes on the control
    // ports, unordered with them: a barrier first, so a process's last signals arrive before 'noconnection'.
    const threads = this.threads.all();
    await Promise.allSettled(threads.map((t) => this.threads.barrier(t.index)));
    await Promise.allSettled(threads.map((t) => t.control.lostNode(node)));
  }

  private startDirtyService(): void {
    const inbox = this.scheduler.inbox();
    this.scheduler.register(DIRTY_SERVICE, inbox.pid);
    this.dirtyService = new DirtyService(
      inbox,
      (to, reply) => this.scheduler.send(to, reply),
      this.settings.dirty ?? {},
      this.loaders,
      this.threads.preloadUrls(),
    );
  }

  /** @internal For tests: 'message' listeners on the main thread's control ports (comlink must not leak them). */
  controlListenerCounts(): number[] {
    return this.threads.all().map((t) => t.controlPort.listenerCount('message'));
  }

  private onThreadEvent(thread: Thread, event: ThreadEvent): void {
    switch (event.type) {
      case 'crash':
        this.log.crashed(event.report);
        return;
      case 'undeliverable':
        this.log.undeliverable(event);
        return;
      case 'actor':
        thread.actors.set(event.id, event.key);
        return;
    }
  }

  // ─── Lost threads ─────────────────────────────────────────────────────────

  private startReplacing(index: number, stalledPid: Pid, stallReason: ExitReason): void {
    void this.track(this.replace(index, stalledPid, stallReason));
  }

  private track(work: Promise<void>): Promise<void> {
    this.replacements.add(work);
    return work.finally(() => this.replacements.delete(work));
  }

  /**
   * Replaces the thread of scheduler `index`, lost with all its processes.
   * 1. Every other thread holds envelopes for `index` and says how far its pids go.
   * 2. The old thread is terminated; names its processes held are released.
   * 3. Every other thread tells its processes linked to or monitoring the lost ones.
   * 4. A new thread starts with the index, pids continuing after the old ones,
   *    and every other thread connects to it and sends what it held.
   */
  private async replace(index: number, stalledPid: Pid, stallReason: ExitReason): Promise<void> {
    const old = this.threads.get(index);
    if (old === undefined || this.replacing.has(index) || this.stopping !== undefined) return;
    this.replacing.add(index);
    old.retiring = true;
    try {
      const others = this.threads.all().filter((t) => t.index !== index);
      const deadUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
      deadUpTo[0] = this.mainControl.suspend(index);
      const serials = await Promise.all(others.map((t) => t.control.suspend(index)));
      others.forEach((t, k) => (deadUpTo[t.index] = serials[k]!));
      await old.worker.terminate();
      this.threads.terminated(index);
      release(old);
      deadUpTo[index] = this.boards.read(index, BOARD_LAST_SERIAL);
      this.boards.write(index, BOARD_RUNNING_PID, 0);
      this.registry.releaseWhere((pid) => ownerOf(pid) === index);
      // The other workers first, the main thread last: what the main thread does on hearing of the loss
      // (an application master starting its root again) finds the workers' processes already told.
      await Promise.all(others.map((t) => t.control.lostScheduler(index, deadUpTo, stalledPid, stallReason)));
      this.mainControl.lostScheduler(index, deadUpTo, stalledPid, stallReason);
      if (this.stopping !== undefined) return;
      const ports = (await this.threads.wire([index], others)).get(index)!;
      await this.threads.start(index, old.generation, ports, deadUpTo[index], deadUpTo);
    } finally {
      this.replacing.delete(index);
    }
  }

  private async shutdown(): Promise<void> {
    this.watchdog.stop();
    await this.generations.stop();
    this.meter.stop();
    // A replacement under way finishes first (it gives up early once stopping is set).
    await Promise.allSettled([...this.replacements]);
    const threads = this.threads.all();
    for (const thread of threads) thread.retiring = true;
    // Control and data travel on different ports, unordered between them: barriers on the data
    // ports make sure a monitor sent just before stop() is applied, and its DOWN comes back.
    await Promise.allSettled(threads.map((t) => this.threads.barrier(t.index)));
    await Promise.allSettled(threads.map((t) => t.control.stop()));
    await Promise.allSettled(threads.map((t) => this.threads.barrier(t.index)));
    await Promise.allSettled(threads.map((t) => t.worker.terminate()));
    for (const thread of threads) {
      release(thread);
      this.threads.forget(thread);
    }
    await this.dirtyService?.stop();
    await this.mainControl.stop();
    // After every process has ended, so that exit signals to other nodes' links go out first.
    await this.remote?.close();
    this.router.close();
  }
}

/** The public entry point: `const rt = await Strand.start({ schedulers: 2 })`. */
export const Strand = {
  start: (options?: StrandOptions): Promise<Runtime> => Runtime.start(options),
};
