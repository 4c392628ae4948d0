/**
 * Small helpers shared by the benchmarks: timing, settling a scheduler,
 * garbage collection and summary statistics.
 */
import { actor, type Pid, type Scheduler } from '@strand/core';

/** Milliseconds on a monotonic clock. */
export const now = (): number => performance.now();

/** A process that ends at once: used to wait until everything queued before it has run. */
export const Probe = actor(import.meta.url, 'bench.Probe', function* probe() {});

/**
 * Resolves once every process that was runnable when it was called has run
 * its first slice. The run queue is first in, first out, so a probe spawned
 * behind them ends only after each of them ran (and, for processes that
 * block in `receive`, blocked).
 */
export async function settle(scheduler: Scheduler): Promise<void> {
  await scheduler.awaitExit(scheduler.spawn(Probe));
}

/** Awaits the exit of `pid` and throws unless it ended normally. */
export async function expectNormalExit(scheduler: Scheduler, pid: Pid, what: string): Promise<void> {
  const reason = await scheduler.awaitExit(pid);
  if (reason !== 'normal') throw new Error(`${what} ended with ${JSON.stringify(reason)}, expected 'normal'`);
}

/** Runs a full collection (twice, so weak and finalized objects go too). Needs `--expose-gc`. */
export function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc for memory measurements');
  gc();
  gc();
}

export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Lets pending macrotasks (the scheduler's `setImmediate` turns) run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
