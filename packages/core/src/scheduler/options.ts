/**
 * A scheduler's options, their defaults and why, and their validation: a
 * bad option throws `InvalidOptionError` naming it, before anything runs.
 */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import type { ExitReason } from '../exit-reason.js';
import { NODE_SLOTS, type Pid, SCHEDULER_SLOTS, formatPid } from '../pid.js';
import type { Placement, Router } from '../signal.js';
import type { NameRegistry } from '../registry.js';
import { Registry } from '../registry.js';
import { BOARD_SLOTS } from '../status-board.js';

/**
 * Resumes a process gets before it must let others run. 4000 is BEAM's
 * `CONTEXT_REDS`: long enough that switching costs nothing measurable, short
 * enough that a queue of a thousand processes turns over in milliseconds.
 */
export const REDUCTIONS_PER_SLICE = 4000;

/**
 * Wall time a slice may take, in ms, whatever its reduction count. 1 ms keeps
 * a short request's wait behind a long job's slice below what a client can
 * notice; 0.5 to 2 ms measured the same on the fairness demo.
 */
export const SLICE_TIME_LIMIT_MS = 1;

/**
 * How long the scheduler runs processes before it returns to the Node event
 * loop, in ms. Returning costs about 1.5 µs (a `setImmediate`), so 1 ms gives
 * timers, I/O and batches from other threads a turn at least 1000 times a
 * second for about 0.15% overhead. Measured: a message between two busy
 * threads waits up to one turn, so 2 ms turns tripled cross-thread latency.
 */
export const TURN_TIME_LIMIT_MS = 1;

export interface SchedulerOptions {
  /** Default `REDUCTIONS_PER_SLICE` (4000). */
  readonly reductionsPerSlice?: number;
  /** Default `SLICE_TIME_LIMIT_MS` (1). */
  readonly sliceTimeLimitMs?: number;
  /** Default `TURN_TIME_LIMIT_MS` (1). */
  readonly turnTimeLimitMs?: number;
  /** `'least-attained'` (default): short work first, long work keeps a share; `'round-robin'`: first in, first out. */
  readonly policy?: 'least-attained' | 'round-robin';
  /** Default: `performance.now()`. */
  readonly clock?: Clock;
  /** `'event-loop'` (default) runs by itself; `'manual'` only runs in `step()`. */
  readonly drive?: 'event-loop' | 'manual';
  /** This scheduler's index, written into its pids (0 to 63). Default 0. */
  readonly index?: number;
  /**
   * The cluster node this scheduler belongs to, written into its pids (0 to
   * 255). Default 0: no cluster. Envelopes for pids of other nodes go to
   * `router.forwardRemote`.
   */
  readonly node?: number;
  /** The serial its pids continue from: a scheduler that replaces another must not reuse its pids. */
  readonly firstSerial?: number;
  /**
   * Per allocator, the serial up to which pids made for this scheduler's
   * index belong to a scheduler it replaces: they are dead, not unborn.
   */
  readonly deadUpTo?: readonly number[];
  /** Carries envelopes to other schedulers. Without one, every pid is local. */
  readonly router?: Router;
  /** Chooses where `spawn` puts a new process. Default: this scheduler. */
  readonly placement?: Placement;
  /** Where names live. Default: a registry of this scheduler's own. */
  readonly registry?: NameRegistry;
  /** Where to publish the running pid, queue length and more (status-board.ts). */
  readonly board?: Float64Array;
  /** Told of every process that ends by throwing. Default: a line on stderr. */
  readonly onCrash?: (report: CrashReport) => void;
  /**
   * This thread's heap limit (bytes): past it, the process that grew the
   * heap most is killed with a `MemoryLimitError` (see heap-watch.ts). Off by default.
   */
  readonly heapLimitBytes?: number;
  /** A process whose mailbox holds more messages than this is killed with a `MemoryLimitError`. Off by default. */
  readonly mailboxLimit?: number;
}

/** A process ended because its body threw. */
export interface CrashReport {
  readonly pid: Pid;
  readonly actor: string;
  readonly module: string;
  readonly reason: ExitReason;
}

/** The options, checked, with every default filled in. */
export interface SchedulerSettings {
  readonly reductionsPerSlice: number;
  readonly sliceTimeLimit: number;
  readonly turnTimeLimit: number;
  readonly policy: 'least-attained' | 'round-robin';
  readonly clock: Clock;
  readonly manual: boolean;
  readonly index: number;
  readonly node: number;
  readonly firstSerial: number;
  readonly deadUpTo: readonly number[];
  readonly router: Router | undefined;
  readonly placement: Placement | undefined;
  readonly registry: NameRegistry;
  readonly board: Float64Array | undefined;
  readonly onCrash: (report: CrashReport) => void;
  readonly heapLimitBytes: number | undefined;
  readonly mailboxLimit: number;
}

export function readOptions(options: SchedulerOptions): SchedulerSettings {
  const reductionsPerSlice = positiveOption('reductionsPerSlice', options.reductionsPerSlice, REDUCTIONS_PER_SLICE, true);
  const sliceTimeLimit = positiveOption('sliceTimeLimitMs', options.sliceTimeLimitMs, SLICE_TIME_LIMIT_MS, false);
  const turnTimeLimit = positiveOption('turnTimeLimitMs', options.turnTimeLimitMs, TURN_TIME_LIMIT_MS, false);
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function') throw new InvalidOptionError('clock', clock, 'an object with a now() method');
  const policy = options.policy ?? 'least-attained';
  if (policy !== 'least-attained' && policy !== 'round-robin') {
    throw new InvalidOptionError('policy', policy, "'least-attained' or 'round-robin'");
  }
  const drive = options.drive ?? 'event-loop';
  if (drive !== 'event-loop' && drive !== 'manual') throw new InvalidOptionError('drive', drive, "'event-loop' or 'manual'");
  const index = options.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= SCHEDULER_SLOTS) {
    throw new InvalidOptionError('index', index, `an integer from 0 to ${SCHEDULER_SLOTS - 1}`);
  }
  const node = options.node ?? 0;
  if (!Number.isInteger(node) || node < 0 || node >= NODE_SLOTS) {
    throw new InvalidOptionError('node', node, `an integer from 0 to ${NODE_SLOTS - 1}`);
  }
  if (options.board !== undefined && !(options.board instanceof Float64Array && options.board.length >= BOARD_SLOTS)) {
    throw new InvalidOptionError('board', options.board, `a Float64Array of at least ${BOARD_SLOTS} entries`);
  }
  const onCrash = options.onCrash ?? defaultOnCrash;
  if (typeof onCrash !== 'function') throw new InvalidOptionError('onCrash', onCrash, 'a function');
  return {
    reductionsPerSlice,
    sliceTimeLimit,
    turnTimeLimit,
    policy,
    clock,
    manual: drive === 'manual',
    index,
    node,
    firstSerial: options.firstSerial ?? 0,
    deadUpTo: options.deadUpTo ?? [],
    router: options.router,
    placement: options.placement,
    registry: options.registry ?? new Registry(),
    board: options.board,
    onCrash,
    heapLimitBytes:
      options.heapLimitBytes === undefined ? undefined : positiveOption('heapLimitBytes', options.heapLimitBytes, 0, true),
    mailboxLimit: options.mailboxLimit === undefined ? Infinity : positiveOption('mailboxLimit', options.mailboxLimit, 0, true),
  };
}

function defaultOnCrash(report: CrashReport): void {
  const reason = report.reason;
  const detail = typeof reason === 'object' && 'error' in reason ? (reason.error.stack ?? reason.error.message) : String(reason);
  process.stderr.write(`[strand] process ${formatPid(report.pid)} (${report.actor}) crashed: ${detail}\n`);
}

function positiveOption(name: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new InvalidOptionError(name, value, integer ? 'a positive integer' : 'a positive number');
  }
  return value;
}
