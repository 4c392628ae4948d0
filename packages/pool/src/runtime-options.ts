/**
 * The runtime's options, their defaults and why, and their validation: a
 * bad option throws `InvalidOptionError` naming it before any thread starts.
 */
import { availableParallelism } from 'node:os';
import { type CrashReport, InvalidOptionError, type Pid } from '@strand/core';
import { SCHEDULER_SLOTS } from '@strand/core/runtime';
import type { DirtyOptions } from './dirty-service.js';
import type { RemoteNodesFactory } from './remote-nodes.js';
import { DEFAULT_MAX_NAMES } from './shared-registry.js';
import type { SchedulerTuning } from './thread-protocol.js';

/** Default for `stallTimeoutMs`: far above any honest slice (1 ms) or single step, short enough to matter. */
export const DEFAULT_STALL_TIMEOUT_MS = 5_000;
/** Default `memory.softLimit`: room left for the slice that crosses it and for the collector. */
export const DEFAULT_SOFT_HEAP_LIMIT = 0.8;

export interface StrandOptions extends Omit<SchedulerTuning, 'node'> {
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
  /**
   * Makes the runtime a node of a cluster: called once, in the main thread,
   * before the threads start (remote-nodes.ts). @strand/cluster provides one.
   */
  readonly remote?: RemoteNodesFactory;
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

export interface StallReport {
  readonly scheduler: number;
  readonly pid: Pid;
  /** `module#name` of the stuck process's actor, when known. */
  readonly actor: string;
  readonly runningForMs: number;
  readonly action: 'replaced' | 'reported';
}

/** The options, checked, with the defaults the runtime relies on filled in; `node` comes from `remote`. */
export type RuntimeSettings = StrandOptions &
  Required<Pick<StrandOptions, 'schedulers' | 'maxNames' | 'stallTimeoutMs' | 'stallPolicy'>> & { readonly node?: number; readonly remoteEnvelopeBytes?: number };

export function readRuntimeOptions(options: StrandOptions): RuntimeSettings {
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
  if (options.remote !== undefined && typeof options.remote !== 'function') {
    throw new InvalidOptionError('remote', options.remote, 'a function that starts the transport between nodes');
  }
  return { ...options, schedulers, maxNames, stallTimeoutMs, stallPolicy };
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
export function threadLimits(memory: MemoryOptions | undefined): SchedulerTuning {
  if (memory === undefined) return {};
  const heap =
    memory.threadHeapMb === undefined ? {} : { heapLimitBytes: Math.floor(memory.threadHeapMb * 1_048_576 * (memory.softLimit ?? DEFAULT_SOFT_HEAP_LIMIT)) };
  return { ...heap, ...(memory.mailboxLimit === undefined ? {} : { mailboxLimit: memory.mailboxLimit }) };
}

/** The scheduler options of every thread, main thread included. */
export function tuning(options: SchedulerTuning): SchedulerTuning {
  const t: { -readonly [K in keyof SchedulerTuning]: SchedulerTuning[K] } = {};
  if (options.node !== undefined) t.node = options.node;
  if (options.reductionsPerSlice !== undefined) t.reductionsPerSlice = options.reductionsPerSlice;
  if (options.sliceTimeLimitMs !== undefined) t.sliceTimeLimitMs = options.sliceTimeLimitMs;
  if (options.turnTimeLimitMs !== undefined) t.turnTimeLimitMs = options.turnTimeLimitMs;
  if (options.policy !== undefined) t.policy = options.policy;
  return t;
}
