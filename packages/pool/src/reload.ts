/**
 * Reload: generations of scheduler threads.
 *
 * Contract
 * - `reload()` starts a new generation of scheduler threads on indices no
 *   live thread uses; their module caches are fresh, so they run the actor
 *   modules as they are on disk now. Placement switches to them everywhere
 *   at once: new processes run new code. A reload while one is under way
 *   joins it; one that finds no free indices fails with `ReloadError`.
 * - Processes already running finish on the old code where they are. An
 *   old thread is retired once it has had no process on two checks in a row
 *   (a spawn placed on it before the switch has arrived by the second).
 * - From then on the main thread answers for its pids: a message is
 *   dropped, a link or monitor gets `'noproc'`, a spawn is reported
 *   undeliverable. Its index can be taken again by a later generation, with
 *   pids continuing after the old ones.
 * - The main thread, its inboxes and whatever listens there are untouched.
 */
import { type Pid, StrandError } from '@strand/core';
import { BOARD_LAST_SERIAL, BOARD_RUNNING_PID, SCHEDULER_SLOTS, type Batch, type Envelope, ownerOf } from '@strand/core/runtime';
import type { Boards } from './boards.js';
import { MAIN_THREAD, type SchedulerControl } from './control.js';
import type { SharedRegistry } from './shared-registry.js';
import type { ThreadEvent } from './thread-protocol.js';
import { type SchedulerThreads, type Thread, release } from './threads.js';

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

/** What reloading asks of the runtime. */
export interface GenerationsHost {
  /** Scheduler threads per generation. */
  readonly schedulers: number;
  readonly threads: SchedulerThreads;
  readonly mainControl: SchedulerControl;
  readonly boards: Boards;
  readonly registry: SharedRegistry;
  isStopping(): boolean;
  /** True while the thread at `index` is being replaced (or its stall reported). */
  isReplacing(index: number): boolean;
  /** Runs thread work a stop must wait for. */
  track(work: Promise<void>): Promise<void>;
  /** Dirty tasks load their modules anew too. */
  reloadDirty(): void;
  /** The main thread's scheduler takes a batch. */
  accept(batch: Batch): void;
  undeliverable(event: Extract<ThreadEvent, { type: 'undeliverable' }>): void;
}

export class Generations {
  /** The current generation's worker indices: where new processes go. */
  private indices: readonly number[];
  private generation = 0;
  private reloading: Promise<ReloadReport> | undefined;
  /** Old threads waiting to have no process left. */
  private readonly draining = new Set<Thread>();
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private drainRound: Promise<void> | undefined;
  /** Per retired index: its last pid serial and, per allocator, up to which serial its pids are dead. */
  private readonly retired = new Map<number, { readonly lastSerial: number; readonly deadUpTo: readonly number[] }>();

  constructor(
    private readonly host: GenerationsHost,
    first: readonly number[],
  ) {
    this.indices = first;
  }

  /** The current generation's scheduler indices. */
  get current(): readonly number[] {
    return this.indices;
  }

  reload(): Promise<ReloadReport> {
    this.reloading ??= this.startGeneration().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** Stops draining; resolves once a reload or a drain round under way has finished. */
  async stop(): Promise<void> {
    clearInterval(this.drainTimer);
    // A drain round under way may be retiring a thread (closing its ports): let it finish first.
    await this.drainRound?.catch(() => undefined);
    await this.reloading?.catch(() => undefined);
  }

  /** Envelopes for pids of retired schedulers: answered here as for dead pids; a spawn cannot be. */
  answerForRetired(batch: Batch): void {
    const answerable: Batch = [];
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      if (typeof item === 'number') answerable.push(item, batch[++i]);
      else if ((item as Envelope).kind === 'spawn') {
        this.host.undeliverable({ type: 'undeliverable', to: (item as Envelope).to, kind: 'spawn', error: 'its scheduler was retired by a reload' });
      } else answerable.push(item);
    }
    this.host.accept(answerable);
  }

  private async startGeneration(): Promise<ReloadReport> {
    const { host } = this;
    const { threads } = host;
    if (host.isStopping()) throw new ReloadError('the runtime is stopping');
    const free = Array.from({ length: SCHEDULER_SLOTS - 1 }, (_, i) => i + 1).filter((i) => !threads.has(i));
    if (free.length < host.schedulers) {
      throw new ReloadError(
        `no room for ${host.schedulers} new scheduler threads: threads of older generations still run processes (${[...this.draining].map((t) => t.index).join(', ')}); let them finish, or kill them`,
      );
    }
    const indices = free.slice(0, host.schedulers);
    const generation = ++this.generation;
    const others = threads.all();
    const portsOf = await threads.wire(indices, others);
    const previous = this.indices;
    this.indices = indices;
    try {
      await Promise.all(
        indices.map((i) => {
          const before = this.retired.get(i);
          return threads.start(i, generation, portsOf.get(i)!, before?.lastSerial ?? 0, before?.deadUpTo ?? new Array<number>(SCHEDULER_SLOTS).fill(0));
        }),
      );
    } catch (error) {
      this.indices = previous;
      throw error;
    }
    for (const i of indices) this.retired.delete(i);
    host.mainControl.placeOn(indices);
    await Promise.all(others.map((t) => t.control.placeOn(indices)));
    host.reloadDirty();
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
    const { host } = this;
    for (const thread of [...this.draining]) {
      if (host.isStopping() || host.isReplacing(thread.index)) return;
      if ((await thread.control.stats()).processes > 0) continue;
      if ((await thread.control.stats()).processes > 0) continue;
      // A stop that began meanwhile takes the threads down itself: a retirement now would race it.
      if (host.isStopping()) return;
      this.draining.delete(thread);
      await host.track(this.retire(thread));
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
    const { mainControl, boards, registry, threads } = this.host;
    const others = threads.all().filter((t) => t !== thread);
    mainControl.retire(thread.index);
    await Promise.all(others.map((t) => t.control.retire(thread.index)));
    await thread.control.stats();
    await thread.control.stats();
    const deadUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
    deadUpTo[MAIN_THREAD] = mainControl.lastSerial();
    const serials = await Promise.all(others.map((t) => t.control.lastSerial()));
    others.forEach((t, k) => (deadUpTo[t.index] = serials[k]!));
    deadUpTo[thread.index] = boards.read(thread.index, BOARD_LAST_SERIAL);
    thread.retiring = true;
    threads.forget(thread);
    await thread.worker.terminate();
    release(thread);
    boards.write(thread.index, BOARD_RUNNING_PID, 0);
    registry.releaseWhere((pid) => ownerOf(pid) === thread.index);
    mainControl.lostScheduler(thread.index, deadUpTo, 0 as Pid, 'noconnection');
    await Promise.all(others.map((t) => t.control.lostScheduler(thread.index, deadUpTo, 0 as Pid, 'noconnection')));
    this.retired.set(thread.index, { lastSerial: deadUpTo[thread.index]!, deadUpTo });
  }
}
