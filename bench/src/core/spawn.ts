/**
 * spawn: start N processes that each block in `receive()`.
 *
 * - rate: processes/s from the first spawn until every one of them has run
 *   and blocked (a probe spawned behind them ends last: the run queue is
 *   first in, first out);
 * - bytes: V8 heap growth per process with all of them alive and waiting,
 *   between two full collections (needs `--expose-gc`; the runner starts
 *   this module in its own `node --expose-gc` process, one size per process,
 *   so earlier garbage does not blur the figure). It counts everything the
 *   scheduler keeps per process: generator, process record, table entry and
 *   run-queue slots;
 * - teardown: time of `scheduler.stop()`, which ends them all.
 *
 * Erlang counterpart: `spawn:N` in erlang/strand_bench.erl.
 */
import { Scheduler, actor, receive } from '@strand/core';
import { fullGc, hasGc, now, settle } from '../lib/measure.js';
import type { BenchParams, Metric } from '../lib/metric.js';

export const Idle = actor(import.meta.url, 'bench.Idle', function* idle() {
  yield* receive();
});

export async function run(params: BenchParams): Promise<Metric[]> {
  const n = Number(params.n ?? (params.smoke ? 10_000 : 100_000));
  const id = `spawn/${n}`;

  // Warm up spawn and the first slice on a throwaway scheduler, so the figure is not the JIT's.
  const warm = new Scheduler();
  for (let i = 0; i < Math.min(n, 20_000); i++) warm.spawn(Idle);
  await settle(warm);
  await warm.stop();

  const measureMemory = hasGc();
  if (measureMemory) fullGc();
  const scheduler = new Scheduler();
  const heap0 = process.memoryUsage().heapUsed;

  const t0 = now();
  for (let i = 0; i < n; i++) scheduler.spawn(Idle);
  await settle(scheduler);
  const t1 = now();

  const stats = scheduler.stats;
  if (stats.processes !== n || stats.runQueue !== 0) {
    throw new Error(`expected ${n} waiting processes, found ${stats.processes} with ${stats.runQueue} runnable`);
  }
  const metrics: Metric[] = [{ id: `${id}/rate`, value: n / ((t1 - t0) / 1000), unit: 'processes/s' }];
  if (measureMemory) {
    fullGc();
    const heap1 = process.memoryUsage().heapUsed;
    metrics.push({ id: `${id}/bytes`, value: (heap1 - heap0) / n, unit: 'bytes/process' });
  }

  const t2 = now();
  await scheduler.stop();
  const t3 = now();
  if (scheduler.stats.processes !== 0) throw new Error(`${scheduler.stats.processes} processes survived stop()`);
  metrics.push({ id: `${id}/teardown`, value: t3 - t2, unit: 'ms' });
  return metrics;
}
