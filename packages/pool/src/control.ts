/**
 * The control plane: low-frequency questions and orders for one scheduler
 * (list its processes, kill one, read its stats, and the steps of replacing
 * a lost scheduler). Workers expose it with comlink; the main thread's own
 * scheduler is driven through the same object directly. Never on the
 * message path.
 */
import type { MessagePort } from 'node:worker_threads';
import { type ExitReason, type Pid, type ProcessInfo, type Scheduler, isPid } from '@strand/core';
import type { LeastLoaded } from './least-loaded.js';
import type { PortRouter } from './port-router.js';

export interface ThreadStats {
  readonly index: number;
  readonly processes: number;
  readonly runQueue: number;
  readonly reductions: number;
  /** Over the last measuring interval (about `METER_INTERVAL_MS`). */
  readonly reductionsPerSecond: number;
  /** Event-loop utilisation over the last measuring interval, 0 to 1. */
  readonly utilisation: number;
  readonly heapUsed: number;
  /** 0 for the threads started with the runtime; each `reload` starts the next. */
  readonly generation: number;
}

export interface SchedulerControl {
  processes(): ProcessInfo[];
  processInfo(pid: Pid): ProcessInfo | undefined;
  /** The first `count` messages in `pid`'s mailbox (see `Scheduler.mailboxPreview`). */
  mailboxPreview(pid: Pid, count: number): unknown[] | undefined;
  kill(pid: Pid): void;
  stats(): ThreadStats;
  /** Starts sending envelopes for `owner` to `port`. */
  connect(owner: number, port: MessagePort): void;
  /** Holds envelopes for `owner`; returns this scheduler's last pid serial. */
  suspend(owner: number): number;
  /** Tells local processes that the processes of `owner` are gone (see `Scheduler.lostScheduler`). */
  lostScheduler(owner: number, deadUpTo: readonly number[], stalledPid: Pid, stallReason: ExitReason): void;
  /** Tells local processes that the processes of cluster node `node` are gone (see `Scheduler.lostNode`). */
  lostNode(node: number): void;
  /** New processes go to `schedulers` only, from now on (a reload's new generation). */
  placeOn(schedulers: readonly number[]): void;
  /** Scheduler `owner` is retired: the main thread answers for its pids from now on. */
  retire(owner: number): void;
  /** This scheduler's last pid serial. */
  lastSerial(): number;
  stop(): Promise<void>;
}

/** Measures a thread's event-loop utilisation and reduction rate. */
export interface Meter {
  readonly utilisation: number;
  readonly reductionsPerSecond: number;
}

/** The main thread's scheduler index: it answers for retired schedulers. */
export const MAIN_THREAD = 0;

export function controlFor(
  index: number,
  generation: number,
  scheduler: Scheduler,
  router: PortRouter,
  meter: Meter,
  placement: LeastLoaded,
): SchedulerControl {
  return {
    processes: () => scheduler.processes().flatMap((pid) => scheduler.processInfo(pid) ?? []),
    processInfo: (pid) => scheduler.processInfo(pid),
    mailboxPreview: (pid, count) => scheduler.mailboxPreview(pid, count),
    kill: (pid) => {
      if (isPid(pid)) scheduler.exit(pid, 'kill');
    },
    stats: () => ({
      index,
      processes: scheduler.stats.processes,
      runQueue: scheduler.stats.runQueue,
      reductions: scheduler.stats.reductions,
      reductionsPerSecond: meter.reductionsPerSecond,
      utilisation: meter.utilisation,
      heapUsed: process.memoryUsage().heapUsed,
      generation,
    }),
    connect: (owner, port) => router.connect(owner, port),
    suspend: (owner) => {
      router.suspend(owner);
      return scheduler.lastSerial;
    },
    lostScheduler: (owner, deadUpTo, stalledPid, stallReason) =>
      scheduler.lostScheduler(owner, deadUpTo, (pid) => (pid === stalledPid ? stallReason : 'noconnection')),
    lostNode: (node) => scheduler.lostNode(node),
    placeOn: (schedulers) => placement.placeOn(schedulers),
    retire: (owner) => router.retire(owner, MAIN_THREAD),
    lastSerial: () => scheduler.lastSerial,
    // The ports stay open: the runtime still exchanges a barrier with this thread after it stops.
    stop: () => scheduler.stop(),
  };
}
