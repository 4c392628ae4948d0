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
 * The stall watchdog reads each worker's board every `STALL_CHECK_INTERVAL_MS`.
 * A process that runs longer than `stallTimeoutMs` without yielding is
 * reported (`onStall`); with `stallPolicy: 'replace'` (the default) its
 * thread is terminated and a new one takes its index. Every process that
 * lived there is gone: the stuck one with a `StallError` reason, the others
 * with `'noconnection'`, and links and monitors elsewhere see exactly that.
 *
 * Reload (`rt.reload()`): a new generation of scheduler threads starts, on
 * indices no live thread uses; their module caches are fresh, so they run
 * the actor modules as they are on disk now. Placement switches to them
 * everywhere at once: new processes run new code. Processes already running
 * finish on the old code where they are; each old thread is retired once it
 * has no process left, and from then on the main thread answers for its
 * pids (a message is dropped, a link or monitor gets `'noproc'`). The main
 * thread, its inboxes and whatever listens there are untouched.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import {
  type Actor,
  type CrashReport,
  type ExitReason,
  type ExitReasonInput,
  type Inbox,
  InvalidOptionError,
  type Pid,
  StrandError,
  type ProcessInfo,
  Scheduler,
  formatPid,
  isPid,
} from '@strand/core';
import {
  BOARD_LAST_SERIAL,
  BOARD_RUNNING_ACTOR,
  BOARD_RUNNING_PID,
  BOARD_SLICE_STARTED_AT,
  SCHEDULER_SLOTS,
  type Batch,
  type Envelope,
  ownerOf,
} from '@strand/core/runtime';
import { Boards } from './boards.js';
import { MAIN_THREAD, type SchedulerControl, type ThreadStats, controlFor } from './control.js';
import { LeastLoaded } from './least-loaded.js';
import { ThreadMeter } from './meter.js';
import { PortRouter } from './port-router.js';
import { DIRTY_SERVICE } from './dirty.js';
import { type DirtyOptions, DirtyService } from './dirty-service.js';
import { DEFAULT_MAX_NAMES, SharedRegistry } from './shared-registry.js';
import { haltAtEntryPoint, runtimeThreadKind } from './entry-point.js';
import { inheritedLoaders } from './inherited-loader.js';
import { BARRIER, type SchedulerTuning, type ThreadEvent, type WorkerInit } from './thread-protocol.js';

/** Default for `stallTimeoutMs`: far above any honest slice (1 ms) or single step, short enough to matter. */
export const DEFAULT_STALL_TIMEOUT_MS = 5_000;
/** How often the watchdog reads the boards, in ms. */
export const STALL_CHECK_INTERVAL_MS = 100;
/** How often a reload's old threads are asked whether they have drained, in ms. */
export const DRAIN_CHECK_INTERVAL_MS = 100;

/** What `reload` did. */
export interface ReloadReport {
  readonly generation: number;
  /** The new generation's scheduler indices: new processes go there. */
  readonly schedulers: readonly number[];
  /** Indices of older threads that still run processes, retired once they have none. */
  readonly draining: readonly number[];
}

/** A reload that could not start: the runtime is stopping, or too many old threads still run. */
export class ReloadError extends StrandError {
  constructor(message: string) {
    super('ERR_STRAND_RELOAD', message);
  }
}

export interface StrandOptions extends SchedulerTuning {
  /** Worker schedulers; default one per core (`os.availableParallelism()`). */
  readonly schedulers?: number;
  /** Names the runtime can hold at once; default `DEFAULT_MAX_NAMES` (4096). */
  readonly maxNames?: number;
  /** Node options for the scheduler threads; default `process.execArgv`. */
  readonly execArgv?: readonly string[];
  /**
   * Modules (URLs or absolute paths) each scheduler thread imports, in order,
   * before it starts: for example one that registers a TypeScript loader, so
   * that actors written in TypeScript load in the threads
   * (`import { register } from 'tsx/esm/api'; register();`).
   */
  readonly preload?: readonly string[];
  /** A process running this long without yielding is a stall; default 5000 ms. */
  readonly stallTimeoutMs?: number;
  /** `'replace'` (default): terminate the stalled thread and start another; `'report'`: only report. */
  readonly stallPolicy?: 'replace' | 'report';
  /** Told of every stall. Default: a line on stderr. */
  readonly onStall?: (report: StallReport) => void;
  /** Told of every process, on any thread, that ends by throwing. Default: a line on stderr. */
  readonly onCrash?: (report: CrashReport) => void;
  /** The dirty thread pool (`dirty()`), started on first use. */
  readonly dirty?: DirtyOptions;
  /** Memory limits of the scheduler threads and their processes; none by default. */
  readonly memory?: MemoryOptions;
}

export interface MemoryOptions {
  /** Each scheduler thread's V8 heap limit, in MiB (`resourceLimits.maxOldGenerationSizeMb`): past it the thread dies. */
  readonly threadHeapMb?: number;
  /**
   * Share of `threadHeapMb` past which the process that grew the heap most is
   * killed (`MemoryLimitError`), before V8's limit takes the whole thread.
   * Default `DEFAULT_SOFT_HEAP_LIMIT`.
   */
  readonly softLimit?: number;
  /** A process with more messages than this in its mailbox is killed (`MemoryLimitError`). */
  readonly mailboxLimit?: number;
}

/** Default `memory.softLimit`: room left for the slice that crosses it and for the collector. */
export const DEFAULT_SOFT_HEAP_LIMIT = 0.8;

export interface StallReport {
  readonly scheduler: number;
  readonly pid: Pid;
  /** `module#name` of the stuck process's actor, when known. */
  readonly actor: string;
  readonly runningForMs: number;
  readonly action: 'replaced' | 'reported';
}

interface Thread {
  readonly index: number;
  /** The reload generation that started it (see `reload`). */
  readonly generation: number;
  worker: Worker;
  control: Comlink.Remote<SchedulerControl>;
  /** Main thread's end of the control channel, closed when the thread goes. */
  readonly controlPort: MessagePort;
  /** Actor ids of this thread → `module#name`, for stall reports. */
  readonly actors: Map<number, string>;
  /** Set while the thread is being replaced or stopped: exits are expected. */
  retiring: boolean;
}

export class Runtime {
  private readonly threads = new Map<number, Thread>();
  private readonly scheduler: Scheduler;
  private readonly router: PortRouter;
  private readonly meter: ThreadMeter;
  private readonly mainControl: SchedulerControl;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private readonly replacing = new Set<number>();
  private readonly replacements = new Set<Promise<void>>();
  private readonly dataPorts = new Map<number, MessagePort>();
  private readonly barrierEchoes = new Map<number, (() => void)[]>();
  private dirtyService: DirtyService | undefined;
  private stopping: Promise<void> | undefined;
  /** The main thread's TypeScript loader, which each thread registers first. */
  private readonly loaders: readonly string[];
  /** Modules whose failure to load has been logged: one line each, however many spawns fail. */
  private readonly loggedLoadFailures = new Set<string>();
  private readonly placement: LeastLoaded;
  /** The current generation's worker indices: where new processes go. */
  private current: readonly number[];
  private generation = 0;
  private reloading: Promise<ReloadReport> | undefined;
  /** Old threads waiting to have no process left. */
  private readonly draining = new Set<Thread>();
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private drainRound: Promise<void> | undefined;
  /** Per retired index: its last pid serial and, per allocator, up to which serial its pids are dead. */
  private readonly retired = new Map<number, { readonly lastSerial: number; readonly deadUpTo: readonly number[] }>();

  private constructor(
    private readonly options: Required<Pick<StrandOptions, 'stallTimeoutMs' | 'stallPolicy'>> & StrandOptions,
    readonly schedulers: number,
    private readonly boards: Boards,
    private readonly registry: SharedRegistry,
  ) {
    this.router = new PortRouter(
      (envelope, error) => this.undeliverable({ type: 'undeliverable', to: envelope.to, kind: envelope.kind, error: String(error) }),
      'immediate',
      { index: MAIN_THREAD, accept: (batch) => this.answerForRetired(batch) },
    );
    this.current = workerIndices(schedulers);
    this.placement = new LeastLoaded(boards, this.current);
    this.scheduler = new Scheduler({
      ...tuning(options),
      index: MAIN_THREAD,
      router: this.router,
      placement: this.placement,
      registry,
      board: boards.board(0),
      onCrash: (report) => this.crashed(report),
    });
    this.meter = new ThreadMeter(this.scheduler, boards.board(0));
    this.mainControl = controlFor(MAIN_THREAD, 0, this.scheduler, this.router, this.meter, this.placement);
    this.watchdog = setInterval(() => this.checkStalls(), STALL_CHECK_INTERVAL_MS);
    this.watchdog.unref();
    this.loaders = inheritedLoaders(options.execArgv ?? process.execArgv);
  }

  /**
   * Starts the scheduler threads and resolves once every one is ready.
   * In one of the runtime's own threads (which import the program's module
   * to find its actors) it never resolves: see entry-point.ts.
   */
  static async start(options: StrandOptions = {}): Promise<Runtime> {
    if (runtimeThreadKind() !== undefined) return haltAtEntryPoint();
    const schedulers = options.schedulers ?? availableParallelism();
    if (!Number.isInteger(schedulers) || schedulers < 1 || schedulers >= SCHEDULER_SLOTS) {
      throw new InvalidOptionError('schedulers', schedulers, `an integer from 1 to ${SCHEDULER_SLOTS - 1}`);
    }
    const maxNames = options.maxNames ?? DEFAULT_MAX_NAMES;
    if (!Number.isInteger(maxNames) || maxNames < 1) throw new InvalidOptionError('maxNames', maxNames, 'a positive integer');
    const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    if (typeof stallTimeoutMs !== 'number' || !(stallTimeoutMs > 0)) {
      throw new InvalidOptionError('stallTimeoutMs', stallTimeoutMs, 'a positive number of milliseconds');
    }
    const stallPolicy = options.stallPolicy ?? 'replace';
    if (stallPolicy !== 'replace' && stallPolicy !== 'report') {
      throw new InvalidOptionError('stallPolicy', stallPolicy, "'replace' or 'report'");
    }
    if (options.execArgv !== undefined && !Array.isArray(options.execArgv)) {
      throw new InvalidOptionError('execArgv', options.execArgv, 'an array of strings');
    }
    if (options.preload !== undefined && (!Array.isArray(options.preload) || !options.preload.every((m) => typeof m === 'string'))) {
      throw new InvalidOptionError('preload', options.preload, 'an array of module URLs or absolute paths');
    }
    checkMemory(options.memory);
    const runtime = new Runtime(
      { ...options, stallTimeoutMs, stallPolicy },
      schedulers,
      new Boards(),
      new SharedRegistry({ maxNames }),
    );
    try {
      await runtime.startThreads();
      runtime.startDirtyService();
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

  /** Starts `actor(...args)` on the `scheduler`-th worker scheduler (1..N) of the current generation. */
  spawnOn<A extends readonly unknown[], M = any>(scheduler: number, actor: Actor<A, M>, ...args: A): Pid<M> {
    if (!Number.isInteger(scheduler) || scheduler < 1 || scheduler > this.schedulers) {
      throw new InvalidOptionError('scheduler', scheduler, `a worker scheduler index from 1 to ${this.schedulers}`);
    }
    return this.scheduler.spawnOn(this.current[scheduler - 1]!, actor, ...args);
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
    if (thread === undefined) return undefined;
    await this.barrier(owner);
    return thread.control.processInfo(pid);
  }

  /** Every live process of every scheduler, after a barrier with each (see `processInfo`). */
  async processes(): Promise<ProcessInfo[]> {
    await Promise.all([...this.threads.keys()].map((index) => this.barrier(index)));
    const lists = await Promise.all([
      this.mainControl.processes(),
      ...[...this.threads.values()].map((t) => t.control.processes()),
    ]);
    return lists.flat();
  }

  /** Per-scheduler figures, main thread (index 0) first. */
  async stats(): Promise<ThreadStats[]> {
    return Promise.all([this.mainControl.stats(), ...[...this.threads.values()].map((t) => t.control.stats())]);
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
   * threads and sends every new process there (see the top of this file).
   * Resolves once the new generation takes new processes; the old threads
   * drain in the background. A reload while one is under way joins it.
   */
  reload(): Promise<ReloadReport> {
    this.reloading ??= this.startGeneration().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async startGeneration(): Promise<ReloadReport> {
    if (this.stopping !== undefined) throw new ReloadError('the runtime is stopping');
    const free = Array.from({ length: SCHEDULER_SLOTS - 1 }, (_, i) => i + 1).filter((i) => !this.threads.has(i));
    if (free.length < this.schedulers) {
      throw new ReloadError(
        `no room for ${this.schedulers} new scheduler threads: threads of older generations still run processes (${[...this.draining].map((t) => t.index).join(', ')}); let them finish, or kill them`,
      );
    }
    const indices = free.slice(0, this.schedulers);
    const generation = ++this.generation;
    const others = [...this.threads.values()];
    const portsOf = new Map<number, { owner: number; port: MessagePort }[]>(indices.map((i) => [i, []]));
    for (const i of indices) {
      const toMain = new MessageChannel();
      portsOf.get(i)!.push({ owner: MAIN_THREAD, port: toMain.port1 });
      this.listen(i, toMain.port2);
      for (const other of others) {
        const pair = new MessageChannel();
        portsOf.get(i)!.push({ owner: other.index, port: pair.port1 });
        await other.control.connect(i, Comlink.transfer(pair.port2, [pair.port2]));
      }
      for (const j of indices) {
        if (j <= i) continue;
        const pair = new MessageChannel();
        portsOf.get(i)!.push({ owner: j, port: pair.port1 });
        portsOf.get(j)!.push({ owner: i, port: pair.port2 });
      }
    }
    const previous = this.current;
    this.current = indices;
    try {
      await Promise.all(
        indices.map((i) => {
          const before = this.retired.get(i);
          return this.startThread(i, generation, portsOf.get(i)!, before?.lastSerial ?? 0, before?.deadUpTo ?? new Array<number>(SCHEDULER_SLOTS).fill(0));
        }),
      );
    } catch (error) {
      this.current = previous;
      throw error;
    }
    for (const i of indices) this.retired.delete(i);
    this.mainControl.placeOn(indices);
    await Promise.all(others.map((t) => t.control.placeOn(indices)));
    // Dirty tasks load their modules anew too: the next one starts a new pool.
    this.dirtyService?.reload();
    for (const thread of others) this.draining.add(thread);
    this.drainTimer ??= setInterval(() => {
      // One round at a time: a retirement changes the set of threads the next one talks to.
      if (this.drainRound !== undefined) return;
      this.drainRound = this.retireDrained().finally(() => (this.drainRound = undefined));
    }, DRAIN_CHECK_INTERVAL_MS);
    this.drainTimer.unref();
    return { generation, schedulers: indices, draining: others.map((t) => t.index) };
  }

  /**
   * Retires each old thread that has had no process on two checks in a row:
   * a spawn placed on it before the switch has arrived by the second, as its
   * event loop has turned in between.
   */
  private async retireDrained(): Promise<void> {
    for (const thread of [...this.draining]) {
      if (this.stopping !== undefined || this.replacing.has(thread.index)) return;
      if ((await thread.control.stats()).processes > 0) continue;
      if ((await thread.control.stats()).processes > 0) continue;
      // A stop that began meanwhile takes the threads down itself: a retirement now would race it.
      if (this.stopping !== undefined) return;
      this.draining.delete(thread);
      // Counted with replacements: a stop waits for it.
      const retirement = this.retire(thread);
      this.replacements.add(retirement);
      await retirement.finally(() => this.replacements.delete(retirement));
    }
    if (this.draining.size === 0) {
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }

  /**
   * Ends an empty thread: every other thread sends what it has for its pids
   * to the main thread from now on; the thread answers what reached it before
   * (two round trips: its event loop has turned), then goes.
   */
  private async retire(thread: Thread): Promise<void> {
    const others = [...this.threads.values()].filter((t) => t !== thread);
    this.mainControl.retire(thread.index);
    await Promise.all(others.map((t) => t.control.retire(thread.index)));
    await thread.control.stats();
    await thread.control.stats();
    const deadUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
    deadUpTo[MAIN_THREAD] = this.mainControl.lastSerial();
    const serials = await Promise.all(others.map((t) => t.control.lastSerial()));
    others.forEach((t, k) => (deadUpTo[t.index] = serials[k]!));
    deadUpTo[thread.index] = this.boards.read(thread.index, BOARD_LAST_SERIAL);
    thread.retiring = true;
    // Out of the table first: a question to a thread being terminated would never be answered.
    this.threads.delete(thread.index);
    this.dataPorts.delete(thread.index);
    await thread.worker.terminate();
    release(thread);
    this.boards.write(thread.index, BOARD_RUNNING_PID, 0);
    this.registry.releaseWhere((pid) => ownerOf(pid) === thread.index);
    this.mainControl.lostScheduler(thread.index, deadUpTo, 0 as Pid, 'noconnection');
    await Promise.all(others.map((t) => t.control.lostScheduler(thread.index, deadUpTo, 0 as Pid, 'noconnection')));
    this.retired.set(thread.index, { lastSerial: deadUpTo[thread.index]!, deadUpTo });
  }

  /** Envelopes for pids of retired schedulers: answered here as for dead pids; a spawn cannot be. */
  private answerForRetired(batch: Batch): void {
    const answerable: Batch = [];
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      if (typeof item === 'number') answerable.push(item, batch[++i]);
      else if ((item as Envelope).kind === 'spawn') {
        this.undeliverable({ type: 'undeliverable', to: (item as Envelope).to, kind: 'spawn', error: 'its scheduler was retired by a reload' });
      } else answerable.push(item);
    }
    this.scheduler.accept(answerable);
  }

  // ─── Threads ──────────────────────────────────────────────────────────────

  private async startThreads(): Promise<void> {
    const indices = this.current;
    // One channel per pair of threads, main thread included.
    const portsOf = new Map<number, { owner: number; port: MessagePort }[]>(indices.map((i) => [i, []]));
    for (const i of indices) {
      const toMain = new MessageChannel();
      portsOf.get(i)!.push({ owner: 0, port: toMain.port1 });
      this.listen(i, toMain.port2);
      for (const j of indices) {
        if (j <= i) continue;
        const pair = new MessageChannel();
        portsOf.get(i)!.push({ owner: j, port: pair.port1 });
        portsOf.get(j)!.push({ owner: i, port: pair.port2 });
      }
    }
    const deadUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
    await Promise.all(indices.map((i) => this.startThread(i, 0, portsOf.get(i)!, 0, deadUpTo)));
  }

  private async startThread(
    index: number,
    generation: number,
    ports: { owner: number; port: MessagePort }[],
    firstSerial: number,
    deadUpTo: readonly number[],
  ): Promise<void> {
    const control = new MessageChannel();
    const init: WorkerInit = {
      index,
      generation,
      workers: this.current,
      boards: this.boards.buffer,
      registry: { buffer: this.registry.buffer, maxNames: this.registry.maxNames },
      ports,
      control: control.port2,
      firstSerial,
      deadUpTo,
      scheduler: { ...tuning(this.options), ...threadLimits(this.options.memory) },
      loaders: this.loaders,
      preload: this.preloadUrls(),
    };
    const heapMb = this.options.memory?.threadHeapMb;
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      ...(heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: heapMb } }),
      workerData: init,
      transferList: [control.port2, ...ports.map((p) => p.port)],
      execArgv: [...(this.options.execArgv ?? process.execArgv)],
      name: `strand-scheduler-${index}`,
    });
    const thread: Thread = {
      index,
      generation,
      worker,
      control: Comlink.wrap<SchedulerControl>(nodeEndpoint(control.port1)),
      controlPort: control.port1,
      actors: new Map(),
      retiring: false,
    };
    this.threads.set(index, thread);
    worker.on('message', (event: ThreadEvent) => this.onThreadEvent(thread, event));
    worker.on('error', (error) => {
      process.stderr.write(`[strand] scheduler ${index} failed: ${error.stack ?? String(error)}\n`);
    });
    worker.on('exit', () => {
      if (!thread.retiring && this.stopping === undefined) this.startReplacing(index, 0 as Pid, 'noconnection');
    });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('online', () => resolve());
      worker.once('error', reject);
    });
    await ready;
    // A first round trip proves the thread's module graph loaded and its control plane answers.
    await thread.control.stats();
  }

  private startDirtyService(): void {
    const inbox = this.scheduler.inbox();
    this.scheduler.register(DIRTY_SERVICE, inbox.pid);
    this.dirtyService = new DirtyService(
      inbox,
      (to, reply) => this.scheduler.send(to, reply),
      this.options.dirty ?? {},
      this.loaders,
      this.preloadUrls(),
    );
  }

  private preloadUrls(): string[] {
    return (this.options.preload ?? []).map((m) => (m.startsWith('/') ? pathToFileURL(m).href : m));
  }

  private listen(owner: number, port: MessagePort): void {
    port.on('message', (batch: Batch | typeof BARRIER) => {
      if (batch === BARRIER) this.barrierEchoes.get(owner)?.shift()?.();
      else this.scheduler.accept(batch);
    });
    this.router.connect(owner, port);
    this.dataPorts.set(owner, port);
  }

  /** Resolves once `owner` has applied everything sent to it so far, and what it sent back has arrived. */
  private barrier(owner: number): Promise<void> {
    const port = this.dataPorts.get(owner);
    if (port === undefined) return Promise.resolve();
    this.router.flush();
    return new Promise((resolve) => {
      // Echoes come back in the order barriers went out: one queue per port.
      let waiting = this.barrierEchoes.get(owner);
      if (waiting === undefined) this.barrierEchoes.set(owner, (waiting = []));
      waiting.push(resolve);
      port.postMessage(BARRIER);
    });
  }

  /** @internal For tests: 'message' listeners on the main thread's control ports (comlink must not leak them). */
  controlListenerCounts(): number[] {
    return [...this.threads.values()].map((t) => t.controlPort.listenerCount('message'));
  }

  private onThreadEvent(thread: Thread, event: ThreadEvent): void {
    switch (event.type) {
      case 'crash':
        this.crashed(event.report);
        return;
      case 'undeliverable':
        this.undeliverable(event);
        return;
      case 'actor':
        thread.actors.set(event.id, event.key);
        return;
    }
  }

  private crashed(report: CrashReport): void {
    if (this.options.onCrash !== undefined) {
      this.options.onCrash(report);
      return;
    }
    const reason = report.reason;
    if (typeof reason === 'object' && 'error' in reason && reason.error.name === 'ModuleLoadError') {
      // The message names the module, the cause and the fix; every spawn of it fails the same way.
      if (this.loggedLoadFailures.has(reason.error.message)) return;
      this.loggedLoadFailures.add(reason.error.message);
      process.stderr.write(`[strand] ${reason.error.message}\n`);
      return;
    }
    const detail = typeof reason === 'object' && 'error' in reason ? (reason.error.stack ?? reason.error.message) : String(reason);
    process.stderr.write(`[strand] process ${formatPid(report.pid)} (${report.actor}) crashed: ${detail}\n`);
  }

  private undeliverable(event: Extract<ThreadEvent, { type: 'undeliverable' }>): void {
    process.stderr.write(`[strand] dropped a ${event.kind} for ${formatPid(event.to as Pid)}: ${event.error}\n`);
  }

  // ─── Stall watchdog ───────────────────────────────────────────────────────

  private checkStalls(): void {
    const now = performance.timeOrigin + performance.now();
    for (const thread of this.threads.values()) {
      if (thread.retiring || this.replacing.has(thread.index)) continue;
      const pid = this.boards.read(thread.index, BOARD_RUNNING_PID) as Pid;
      if (pid === 0) continue;
      const runningForMs = now - this.boards.read(thread.index, BOARD_SLICE_STARTED_AT);
      if (runningForMs < this.options.stallTimeoutMs) continue;
      const actor = thread.actors.get(this.boards.read(thread.index, BOARD_RUNNING_ACTOR)) ?? 'unknown actor';
      const action = this.options.stallPolicy === 'replace' ? 'replaced' : 'reported';
      this.reportStall({ scheduler: thread.index, pid, actor, runningForMs, action });
      if (action === 'replaced') {
        const message = `scheduler ${thread.index} stalled in ${formatPid(pid)} (${actor}) for ${Math.round(runningForMs)} ms without yielding; its thread was replaced`;
        this.startReplacing(thread.index, pid, { error: { name: 'StallError', message } });
      } else {
        // Report a given stall once: forget it until that process yields.
        this.replacing.add(thread.index);
        const waitForYield = setInterval(() => {
          if (this.boards.read(thread.index, BOARD_RUNNING_PID) !== pid) {
            clearInterval(waitForYield);
            this.replacing.delete(thread.index);
          }
        }, STALL_CHECK_INTERVAL_MS);
        waitForYield.unref();
      }
    }
  }

  private reportStall(report: StallReport): void {
    if (this.options.onStall !== undefined) {
      this.options.onStall(report);
      return;
    }
    process.stderr.write(
      `[strand] scheduler ${report.scheduler} stalled: process ${formatPid(report.pid)} (${report.actor}) has run ${Math.round(report.runningForMs)} ms without yielding; ${report.action}\n`,
    );
  }

  private startReplacing(index: number, stalledPid: Pid, stallReason: ExitReason): void {
    const replacement = this.replace(index, stalledPid, stallReason);
    this.replacements.add(replacement);
    void replacement.finally(() => this.replacements.delete(replacement));
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
      const others = [...this.threads.values()].filter((t) => t.index !== index);
      const deadUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
      deadUpTo[0] = this.mainControl.suspend(index);
      const serials = await Promise.all(others.map((t) => t.control.suspend(index)));
      others.forEach((t, k) => (deadUpTo[t.index] = serials[k]!));
      await old.worker.terminate();
      release(old);
      deadUpTo[index] = this.boards.read(index, BOARD_LAST_SERIAL);
      this.boards.write(index, BOARD_RUNNING_PID, 0);
      this.registry.releaseWhere((pid) => ownerOf(pid) === index);
      this.mainControl.lostScheduler(index, deadUpTo, stalledPid, stallReason);
      await Promise.all(others.map((t) => t.control.lostScheduler(index, deadUpTo, stalledPid, stallReason)));
      if (this.stopping !== undefined) return;
      const ports: { owner: number; port: MessagePort }[] = [];
      const toMain = new MessageChannel();
      ports.push({ owner: 0, port: toMain.port1 });
      this.listen(index, toMain.port2);
      for (const other of others) {
        const pair = new MessageChannel();
        ports.push({ owner: other.index, port: pair.port1 });
        await other.control.connect(index, Comlink.transfer(pair.port2, [pair.port2]));
      }
      await this.startThread(index, old.generation, ports, deadUpTo[index], deadUpTo);
    } finally {
      this.replacing.delete(index);
    }
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.watchdog);
    clearInterval(this.drainTimer);
    // A drain round under way may be retiring a thread (closing its ports): let it finish first.
    await this.drainRound?.catch(() => undefined);
    await this.reloading?.catch(() => undefined);
    this.meter.stop();
    // A replacement under way finishes first (it gives up early once stopping is set).
    await Promise.allSettled([...this.replacements]);
    const threads = [...this.threads.values()];
    for (const thread of threads) thread.retiring = true;
    // Control and data travel on different ports, unordered between them: barriers on the data
    // ports make sure a monitor sent just before stop() is applied, and its DOWN comes back.
    await Promise.allSettled(threads.map((t) => this.barrier(t.index)));
    await Promise.allSettled(threads.map((t) => t.control.stop()));
    await Promise.allSettled(threads.map((t) => this.barrier(t.index)));
    await Promise.allSettled(threads.map((t) => t.worker.terminate()));
    for (const thread of threads) release(thread);
    this.threads.clear();
    await this.dirtyService?.stop();
    await this.mainControl.stop();
    this.router.close();
  }
}

/** The public entry point: `const rt = await Strand.start({ schedulers: 2 })`. */
export const Strand = {
  start: (options?: StrandOptions): Promise<Runtime> => Runtime.start(options),
};

/** Drops the comlink proxy of a thread that is gone, and the port under it. */
function release(thread: Thread): void {
  thread.control[Comlink.releaseProxy]();
  thread.controlPort.close();
}

function workerIndices(schedulers: number): number[] {
  return Array.from({ length: schedulers }, (_, i) => i + 1);
}

function checkMemory(memory: MemoryOptions | undefined): void {
  if (memory === undefined) return;
  if (typeof memory !== 'object' || memory === null) throw new InvalidOptionError('memory', memory, 'an object');
  const { threadHeapMb, softLimit, mailboxLimit } = memory;
  if (threadHeapMb !== undefined && !(Number.isInteger(threadHeapMb) && threadHeapMb >= 16)) {
    throw new InvalidOptionError('memory.threadHeapMb', threadHeapMb, 'an integer number of MiB, at least 16');
  }
  if (softLimit !== undefined && !(typeof softLimit === 'number' && softLimit > 0 && softLimit < 1)) {
    throw new InvalidOptionError('memory.softLimit', softLimit, 'a share of threadHeapMb between 0 and 1');
  }
  if (softLimit !== undefined && threadHeapMb === undefined) {
    throw new InvalidOptionError('memory.softLimit', softLimit, 'given with memory.threadHeapMb');
  }
  if (mailboxLimit !== undefined && !(Number.isInteger(mailboxLimit) && mailboxLimit > 0)) {
    throw new InvalidOptionError('memory.mailboxLimit', mailboxLimit, 'a positive integer');
  }
}

/** What a scheduler thread enforces itself (see `HeapWatch` in @strand/core). */
function threadLimits(memory: MemoryOptions | undefined): SchedulerTuning {
  if (memory === undefined) return {};
  const heap =
    memory.threadHeapMb === undefined ? {} : { heapLimitBytes: Math.floor(memory.threadHeapMb * 1_048_576 * (memory.softLimit ?? DEFAULT_SOFT_HEAP_LIMIT)) };
  return { ...heap, ...(memory.mailboxLimit === undefined ? {} : { mailboxLimit: memory.mailboxLimit }) };
}

function tuning(options: SchedulerTuning): SchedulerTuning {
  const t: { -readonly [K in keyof SchedulerTuning]: SchedulerTuning[K] } = {};
  if (options.reductionsPerSlice !== undefined) t.reductionsPerSlice = options.reductionsPerSlice;
  if (options.sliceTimeLimitMs !== undefined) t.sliceTimeLimitMs = options.sliceTimeLimitMs;
  if (options.turnTimeLimitMs !== undefined) t.turnTimeLimitMs = options.turnTimeLimitMs;
  if (options.policy !== undefined) t.policy = options.policy;
  return t;
}
