/**
 * What the main thread and a scheduler thread tell each other outside the
 * message path: the data a thread starts with, and the events it reports.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CrashReport } from '@strand/core';

export interface SchedulerTuning {
  readonly reductionsPerSlice?: number;
  readonly sliceTimeLimitMs?: number;
  readonly turnTimeLimitMs?: number;
  readonly policy?: 'least-attained' | 'round-robin';
  readonly heapLimitBytes?: number;
  readonly mailboxLimit?: number;
  /** The cluster node of the runtime (from its `remote` hook), 0 outside a cluster: not a user option. */
  readonly node?: number;
}

export interface WorkerInit {
  readonly index: number;
  /** The reload generation this thread belongs to (0: started with the runtime). */
  readonly generation: number;
  /** Scheduler indices new processes may be placed on. */
  readonly workers: readonly number[];
  readonly boards: SharedArrayBuffer;
  readonly registry: { readonly buffer: SharedArrayBuffer; readonly maxNames: number };
  /** A port to each other thread, by that thread's scheduler index. */
  readonly ports: readonly { readonly owner: number; readonly port: MessagePort }[];
  /** Where this thread exposes its control plane. */
  readonly control: MessagePort;
  readonly firstSerial: number;
  readonly deadUpTo: readonly number[];
  readonly scheduler: SchedulerTuning;
  /** A cluster node's `RemoteNodes.maxEnvelopeBytes`: messages for other nodes larger than this are refused at `send`. */
  readonly remoteEnvelopeBytes?: number;
  /** Modules exporting `register()`: the main thread's TypeScript loader, registered first (see inherited-loader.ts). */
  readonly loaders: readonly string[];
  /** Module URLs to import before the scheduler starts. */
  readonly preload: readonly string[];
}

/**
 * Sent on a data port instead of a batch, and echoed back on the same port:
 * once the echo arrives, everything sent before it on that port has been
 * applied by the other side, and everything it sent before the echo has arrived.
 */
export const BARRIER = 'strand.barrier';

export type ThreadEvent =
  /** An actor was defined on the thread under this id (`Actor.id`), so stall reports can name it. */
  | { readonly type: 'actor'; readonly id: number; readonly key: string }
  /** A process on the thread ended by throwing. */
  | { readonly type: 'crash'; readonly report: CrashReport }
  /** An envelope could not be copied to its destination thread and was dropped. */
  | { readonly type: 'undeliverable'; readonly to: number; readonly kind: string; readonly error: string };
