/**
 * Memory limits of one scheduler's thread, enforced between slices, in
 * milliseconds rather than by a poll: each slice's heap growth is charged to
 * the process that ran it, and when the thread's heap passes its limit the
 * process that grew it most is killed (reason `MemoryLimitError`) before V8's
 * own, hard limit would take the whole thread down.
 *
 * A process's charge is the heap growth over its slices, garbage collections
 * included (one that runs in a slice lowers the charge of whoever ran): a
 * process that keeps what it allocates rises to the top. It is a heuristic:
 * a process that allocates garbage as fast as a leaking one keeps memory
 * can be charged as much as the leaker, as the collector's work lands on
 * whoever runs when it runs. Only a process charged at least `MIN_CULPRIT_SHARE`
 * of the limit is killed, so that after a kill, while the collector has not
 * yet run, nobody innocent is taken for the leak.
 *
 * "Heap" counts what V8 holds outside its heap for JavaScript objects too
 * (the contents of ArrayBuffers). Reading it costs about 0.5 µs per slice:
 * limits are off unless set.
 */
import { getHeapStatistics } from 'node:v8';
import type { ExitReason } from './exit-reason.js';
import type { Process } from './process.js';

/** A process is a culprit only if it grew the heap by at least this share of the limit. */
export const MIN_CULPRIT_SHARE = 0.25;

/** The JavaScript heap in use plus memory held outside it for it (ArrayBuffer contents), in bytes. */
function heapInUse(): number {
  const stats = getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
}

/** The exit reason of a process killed for memory. */
export function memoryLimitReason(message: string): ExitReason {
  return { error: { name: 'MemoryLimitError', message } };
}

export class HeapWatch {
  private before = 0;

  constructor(readonly limitBytes: number) {}

  startSlice(): void {
    this.before = heapInUse();
  }

  /** Charges the slice's growth to `p`; true when the thread's heap is now over the limit. */
  endSlice(p: Process): boolean {
    const after = heapInUse();
    p.heapGrowth += after - this.before;
    return after > this.limitBytes;
  }

  /** The process that grew the heap most, if it grew it enough to be the cause. */
  culprit(processes: Iterable<Process>): Process | undefined {
    let worst: Process | undefined;
    for (const p of processes) if (worst === undefined || p.heapGrowth > worst.heapGrowth) worst = p;
    return worst !== undefined && worst.heapGrowth >= MIN_CULPRIT_SHARE * this.limitBytes ? worst : undefined;
  }
}
