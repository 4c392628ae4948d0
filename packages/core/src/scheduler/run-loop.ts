/**
 * The run loop: which process runs next, and when the scheduler gives the
 * thread back to Node.
 *
 * Contract
 * - Which runnable process goes next is the policy's choice:
 *   `'least-attained'` (the default) serves first the process that has used
 *   the least CPU time since it last blocked, with a guaranteed share for
 *   long jobs (least-attained-queue.ts); `'round-robin'` serves first in,
 *   first out, a process that used its slice going to the back.
 * - After `turnTimeLimit` ms of running processes the loop returns to the
 *   Node event loop through `setImmediate` (a macrotask), so timers and I/O
 *   are never starved by a busy run queue.
 * - Under `'manual'` drive nothing runs until `step()` is called, for
 *   deterministic tests with a `ManualClock`.
 * - With a status board, the running pid and actor are written before each
 *   slice and the queue length, process count and reductions after each turn,
 *   so another thread can see a stuck slice without asking this one.
 * - With a heap limit, each slice's heap growth is charged to its process;
 *   past the limit the process that grew the heap most is killed.
 */
import type { Clock } from '../clock.js';
import { HeapWatch } from '../heap-watch.js';
import { LeastAttainedQueue } from '../least-attained-queue.js';
import { formatPid, type Pid } from '../pid.js';
import { type Process, RUNNABLE } from '../process.js';
import { type ProcessQueue, RunQueue } from '../run-queue.js';
import {
  BOARD_LAST_SERIAL,
  BOARD_PROCESSES,
  BOARD_REDUCTIONS,
  BOARD_RUNNING_ACTOR,
  BOARD_RUNNING_PID,
  BOARD_RUN_QUEUE,
  BOARD_SLICE_STARTED_AT,
  BOARD_TURN_AT,
} from '../status-board.js';
import type { Signals } from './signals.js';
import { CLOCK_EVERY_CHEAP, type SliceRunner } from './slice.js';
import type { Timers } from './timers.js';

/** A turn of known-cheap slices reads the clock every this many slices to see if it is over. */
const TURN_CLOCK_EVERY_SLICES = 64;

/** What the run loop asks of the rest of the scheduler. */
export interface RunLoopHost {
  readonly clock: Clock;
  readonly manual: boolean;
  readonly turnTimeLimit: number;
  readonly policy: 'least-attained' | 'round-robin';
  readonly heapLimitBytes: number | undefined;
  readonly board: Float64Array | undefined;
  /** Added to clock readings to publish them as epoch times on the board. */
  readonly epochOffset: number;
  readonly table: Map<Pid, Process>;
  readonly slices: SliceRunner;
  readonly timers: Timers;
  readonly signals: Signals;
  /** The last pid serial the scheduler handed out (published on the board). */
  lastSerial(): number;
}

export class RunLoop {
  private readonly queue: ProcessQueue<Process>;
  private readonly heapWatch: HeapWatch | undefined;
  private inTurn = false;
  private turnScheduled = false;
  private stopped = false;

  constructor(private readonly host: RunLoopHost) {
    this.queue = host.policy === 'round-robin' ? new RunQueue<Process>() : new LeastAttainedQueue<Process>(() => host.slices.lastClock);
    if (host.heapLimitBytes !== undefined) this.heapWatch = new HeapWatch(host.heapLimitBytes);
  }

  get length(): number {
    return this.queue.length;
  }

  makeRunnable(p: Process): void {
    p.status = RUNNABLE;
    this.queue.push(p);
    if (!this.inTurn && !this.turnScheduled && !this.host.manual && !this.stopped) {
      this.turnScheduled = true;
      setImmediate(this.turn);
    }
  }

  /** A timer is due: runs a turn now unless one is under way or scheduled. */
  wake(): void {
    if (this.turnScheduled || this.inTurn) return;
    this.turn();
  }

  /** Manual drive: fires due timers, then runs one slice. False when nothing was runnable. */
  step(): boolean {
    const slices = this.host.slices;
    slices.lastClock = this.host.clock.now();
    this.host.timers.fire(slices.lastClock);
    if (this.queue.length === 0) return false;
    this.runNext();
    return true;
  }

  /** Runs no more turns. */
  stop(): void {
    this.stopped = true;
  }

  /** Forgets every runnable process (after a stop has ended them). */
  clear(): void {
    this.queue.clear();
  }

  private readonly turn = (): void => {
    this.turnScheduled = false;
    if (this.stopped) return;
    const { clock, board, slices, timers } = this.host;
    this.inTurn = true;
    slices.lastClock = clock.now();
    const turnEnd = slices.lastClock + this.host.turnTimeLimit;
    if (board !== undefined) board[BOARD_TURN_AT] = this.host.epochOffset + slices.lastClock;
    try {
      timers.fire(slices.lastClock);
      // Slices that measured themselves leave lastClock fresh; runs of cheap ones are checked every few.
      for (let n = 1; this.queue.length > 0 && slices.lastClock < turnEnd; n++) {
        this.runNext();
        if (n % TURN_CLOCK_EVERY_SLICES === 0) slices.lastClock = clock.now();
      }
    } finally {
      this.inTurn = false;
      if (board !== undefined) this.publish(board);
    }
    if (this.queue.length > 0 && !this.stopped) {
      this.turnScheduled = true;
      setImmediate(this.turn);
    }
    timers.arm();
  };

  private runNext(): void {
    const p = this.queue.shift()!;
    if (p.status !== RUNNABLE) return;
    const { slices, board } = this.host;
    // A process not known to be cheap gets an exact start time, so its own steps are what is measured.
    const measured = p.clockEvery < CLOCK_EVERY_CHEAP;
    if (measured) slices.lastClock = this.host.clock.now();
    if (board !== undefined) {
      board[BOARD_SLICE_STARTED_AT] = this.host.epochOffset + slices.lastClock;
      board[BOARD_RUNNING_PID] = p.pid;
      board[BOARD_RUNNING_ACTOR] = p.actor.id;
    }
    if (this.heapWatch === undefined) {
      slices.run(p, measured);
    } else {
      this.heapWatch.startSlice();
      slices.run(p, measured);
      if (this.heapWatch.endSlice(p)) this.reclaimHeap(this.heapWatch);
    }
    if (board !== undefined) {
      board[BOARD_RUNNING_PID] = 0;
      board[BOARD_RUNNING_ACTOR] = 0;
    }
  }

  /** The heap is over its limit: the process that grew it most goes, if one did. */
  private reclaimHeap(watch: HeapWatch): void {
    const culprit = watch.culprit(this.host.table.values());
    if (culprit === undefined) return;
    const mb = (bytes: number): string => `${Math.round(bytes / 1048576)} MB`;
    this.host.signals.killForMemory(
      culprit,
      `${formatPid(culprit.pid)} (${culprit.actor.name}) grew the heap by ${mb(culprit.heapGrowth)}, past this thread's limit of ${mb(watch.limitBytes)}`,
    );
  }

  private publish(board: Float64Array): void {
    board[BOARD_RUN_QUEUE] = this.queue.length;
    board[BOARD_PROCESSES] = this.host.table.size;
    board[BOARD_LAST_SERIAL] = this.host.lastSerial();
    board[BOARD_REDUCTIONS] = this.host.slices.totalReductions;
  }
}
