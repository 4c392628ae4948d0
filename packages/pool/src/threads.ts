/**
 * The scheduler threads: starting one, the channels between them, and the
 * data-port barrier.
 *
 * Contract
 * - Every pair of threads, the main thread included, has its own
 *   `MessageChannel` for envelopes (one FIFO per pair keeps per-pair order);
 *   each worker also has a control port (comlink) and reports crashes,
 *   lost envelopes and its actors' names as events.
 * - A thread is in the table from the moment its worker is created; `start`
 *   resolves once its module graph has loaded and its control plane answers.
 * - A worker that exits when it was not asked to (`retiring` unset) is
 *   reported to the host, which replaces it.
 * - `barrier(owner)` resolves once `owner` has applied everything sent to it
 *   so far on the data port, and what it sent back before has arrived
 *   (control and data ports are not ordered with each other).
 */
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker, type WorkerOptions } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Batch } from '@strand/core/runtime';
import type { Boards } from './boards.js';
import { MAIN_THREAD, type SchedulerControl } from './control.js';
import type { PortRouter } from './port-router.js';
import { type RuntimeSettings, threadLimits, tuning } from './runtime-options.js';
import type { SharedRegistry } from './shared-registry.js';
import { BARRIER, type ThreadEvent, type WorkerInit } from './thread-protocol.js';

export interface Thread {
  readonly index: number;
  /** The reload generation that started it (see reload.ts). */
  readonly generation: number;
  worker: Worker;
  control: Comlink.Remote<SchedulerControl>;
  /** Main thread's end of the control channel, closed when the thread goes. */
  readonly controlPort: MessagePort;
  /** Actor ids of this thread → `module#name`, for stall reports. */
  readonly actors: Map<number, string>;
  /** Set while the thread is being replaced, retired or stopped: exits are expected. */
  retiring: boolean;
}

/** A thread's ends of its data channels, by the scheduler index at the other end. */
export type ThreadPorts = { owner: number; port: MessagePort }[];

/** What the threads ask of the runtime. */
export interface ThreadsHost {
  readonly settings: RuntimeSettings;
  readonly boards: Boards;
  readonly registry: SharedRegistry;
  readonly router: PortRouter;
  /** The main thread's TypeScript loader, which each thread registers first. */
  readonly loaders: readonly string[];
  /** Scheduler indices new processes may be placed on, told to each new thread. */
  current(): readonly number[];
  /** A batch for the main thread's scheduler. */
  accept(batch: Batch): void;
  onEvent(thread: Thread, event: ThreadEvent): void;
  /** The thread's worker exited without being asked to. */
  onLost(thread: Thread): void;
}

export class SchedulerThreads {
  private readonly threads = new Map<number, Thread>();
  private readonly dataPorts = new Map<number, MessagePort>();
  private readonly barrierEchoes = new Map<number, (() => void)[]>();
  /** Flags of the process that Node refused for a worker thread. */
  private readonly refusedFlags = new Set<string>();

  constructor(private readonly host: ThreadsHost) {}

  get(index: number): Thread | undefined {
    return this.threads.get(index);
  }

  has(index: number): boolean {
    return this.threads.has(index);
  }

  all(): Thread[] {
    return [...this.threads.values()];
  }

  /** Takes a thread out of the table: a question to a thread being terminated would never be answered. */
  forget(thread: Thread): void {
    this.threads.delete(thread.index);
    this.dataPorts.delete(thread.index);
    this.terminated(thread.index);
  }

  /** Thread `owner` was terminated: no echo will come back from it, so barriers waiting on it resolve now. */
  terminated(owner: number): void {
    for (const resolve of this.barrierEchoes.get(owner)?.splice(0) ?? []) resolve();
  }

  /**
   * Channels for new threads at `indices`: to the main thread (listened to
   * here), to each running thread in `running` (handed over through its
   * control plane), and between every two of them.
   */
  async wire(indices: readonly number[], running: readonly Thread[]): Promise<Map<number, ThreadPorts>> {
    const portsOf = new Map<number, ThreadPorts>(indices.map((i) => [i, []]));
    for (const i of indices) {
      const toMain = new MessageChannel();
      portsOf.get(i)!.push({ owner: MAIN_THREAD, port: toMain.port1 });
      this.listen(i, toMain.port2);
      for (const other of running) {
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
    return portsOf;
  }

  /** Starts the thread of scheduler `index`, its pids continuing after `firstSerial`. */
  async start(index: number, generation: number, ports: ThreadPorts, firstSerial: number, deadUpTo: readonly number[]): Promise<void> {
    const { settings, boards, registry } = this.host;
    const control = new MessageChannel();
    const init: WorkerInit = {
      index,
      generation,
      workers: this.host.current(),
      boards: boards.buffer,
      registry: { buffer: registry.buffer, maxNames: registry.maxNames },
      ports,
      control: control.port2,
      firstSerial,
      deadUpTo,
      scheduler: { ...tuning(settings), ...threadLimits(settings.memory) },
      ...(settings.remoteEnvelopeBytes === undefined ? {} : { remoteEnvelopeBytes: settings.remoteEnvelopeBytes }),
      loaders: this.host.loaders,
      preload: this.preloadUrls(),
    };
    const heapMb = settings.memory?.threadHeapMb;
    const worker = this.newWorker({
      ...(heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: heapMb } }),
      workerData: init,
      transferList: [control.port2, ...ports.map((p) => p.port)],
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
    worker.on('message', (event: ThreadEvent) => this.host.onEvent(thread, event));
    worker.on('error', (error) => {
      process.stderr.write(`[strand] scheduler ${index} failed: ${error.stack ?? String(error)}\n`);
    });
    worker.on('exit', () => {
      if (!thread.retiring) this.host.onLost(thread);
    });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('online', () => resolve());
      worker.once('error', reject);
    });
    await ready;
    // A first round trip proves the thread's module graph loaded and its control plane answers.
    await thread.control.stats();
  }

  /** Resolves once `owner` has applied everything sent to it so far, and what it sent back has arrived. */
  barrier(owner: number): Promise<void> {
    const port = this.dataPorts.get(owner);
    if (port === undefined) return Promise.resolve();
    this.host.router.flush();
    return new Promise((resolve) => {
      // Echoes come back in the order barriers went out: one queue per port.
      let waiting = this.barrierEchoes.get(owner);
      if (waiting === undefined) this.barrierEchoes.set(owner, (waiting = []));
      waiting.push(resolve);
      port.postMessage(BARRIER);
    });
  }

  /**
   * A scheduler thread, with the process's own flags (its loaders, such as
   * `--import tsx`) less those Node refuses for a thread (per-process flags
   * such as `--trace-gc`), which would stop every thread from starting.
   */
  private newWorker(options: WorkerOptions): Worker {
    const flags = this.host.settings.execArgv ?? process.execArgv;
    for (;;) {
      try {
        return new Worker(new URL('./worker.js', import.meta.url), { ...options, execArgv: flags.filter((flag) => !this.refusedFlags.has(flag.split('=')[0]!)) });
      } catch (error) {
        const refused = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? /flags: (.*)$/.exec((error as Error).message)?.[1] : undefined;
        const named = (refused ?? '').split(',').map((flag) => flag.trim().split('=')[0]!).filter((flag) => flag.length > 0 && !this.refusedFlags.has(flag));
        if (named.length === 0) throw error;
        for (const flag of named) this.refusedFlags.add(flag);
        process.stderr.write(`[strand] scheduler threads start without ${named.join(' ')}: Node accepts it for a whole process only\n`);
      }
    }
  }

  /** Module URLs each thread imports before it starts. */
  preloadUrls(): string[] {
    return (this.host.settings.preload ?? []).map((m) => (m.startsWith('/') ? pathToFileURL(m).href : m));
  }

  private listen(owner: number, port: MessagePort): void {
    port.on('message', (batch: Batch | typeof BARRIER) => {
      if (batch === BARRIER) this.barrierEchoes.get(owner)?.shift()?.();
      else this.host.accept(batch);
    });
    this.host.router.connect(owner, port);
    this.dataPorts.set(owner, port);
  }
}

/** Drops the comlink proxy of a thread that is gone, and the port under it. */
export function release(thread: Thread): void {
  thread.control[Comlink.releaseProxy]();
  thread.controlPort.close();
}

