/**
 * What the runtime shows of one process (`processInfo`, the observer): a
 * plain, cloneable record, so it can cross threads.
 */
import type { Pid } from './pid.js';

export interface ProcessInfo {
  readonly pid: Pid;
  readonly status: 'runnable' | 'running' | 'waiting' | 'exiting';
  readonly reductions: number;
  readonly mailboxLength: number;
  readonly links: Pid[];
  /** Pids this process monitors. */
  readonly monitors: Pid[];
  /** Pids that monitor this process. */
  readonly monitoredBy: Pid[];
  readonly registeredName: string | undefined;
  readonly actor: string;
  readonly module: string;
  readonly trapExit: boolean;
  /** CPU time used since spawn, in ms. */
  readonly cpuMs: number;
  /** When it was spawned, in ms since the epoch. */
  readonly startedAt: number;
  /** What it waits in, when `status` is `'waiting'`. */
  readonly waitingIn: 'receive' | 'sleep' | undefined;
  /** Heap growth charged to it (bytes), when the scheduler has a heap limit. */
  readonly heapGrowthBytes: number;
}
