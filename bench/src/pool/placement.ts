/**
 * Placement check: 8 long CPU jobs spawned with `rt.spawn` onto 8 idle
 * worker schedulers, `gap` ms apart. Least-loaded placement should give each
 * job a scheduler of its own: a scheduler left idle while another runs two
 * jobs is a misplacement. Figure per gap: schedulers left idle, on average
 * over the trials (ideal 0), and the share of trials with any.
 *
 * Each job runs for `jobMs` of wall time, yielding at every step; trials are
 * `pauseMs` apart so every scheduler is idle again (and its event-loop
 * utilisation, which placement uses to break ties, has decayed).
 */
import { actor } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import type { BenchParams, Metric } from '../lib/metric.js';
import { sleepMs, startStrand } from './common.js';

export const TimedJob = actor(import.meta.url, 'bench.pool.TimedJob', function* timedJob(ms: number) {
  const end = performance.now() + ms;
  let h = 1;
  while (performance.now() < end) {
    for (let j = 0; j < 64; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
    yield;
  }
  return h;
});

export const GAPS_MS = [0, 1, 2, 5] as const;

export async function run(params: BenchParams): Promise<Metric[]> {
  const schedulers = Number(params.schedulers ?? 8);
  const trials = Number(params.trials ?? (params.smoke ? 2 : 6));
  const jobMs = Number(params.jobMs ?? 150);
  const pauseMs = Number(params.pauseMs ?? 600);
  const rt = await startStrand(schedulers);
  const metrics: Metric[] = [];
  try {
    // Warm-up: load the actor module in every thread.
    const warm = Array.from({ length: schedulers }, (_, i) => rt.spawnOn(i + 1, TimedJob, 20));
    await Promise.all(warm.map((pid) => rt.awaitExit(pid)));
    for (const gap of (params.gaps as number[] | undefined) ?? GAPS_MS) {
      let idleSum = 0;
      let misplaced = 0;
      for (let t = 0; t < trials; t++) {
        await sleepMs(pauseMs);
        const pids = [];
        for (let k = 0; k < schedulers; k++) {
          pids.push(rt.spawn(TimedJob, jobMs));
          if (gap > 0 && k < schedulers - 1) await sleepMs(gap);
        }
        const idle = schedulers - new Set(pids.map((pid) => ownerOf(pid))).size;
        idleSum += idle;
        if (idle > 0) misplaced += 1;
        await Promise.all(pids.map((pid) => rt.awaitExit(pid)));
      }
      metrics.push({ id: `placement/gap${gap}/idle`, value: idleSum / trials, unit: 'schedulers' });
      metrics.push({ id: `placement/gap${gap}/misplaced`, value: misplaced / trials, unit: 'share' });
    }
  } finally {
    await rt.stop();
  }
  return metrics;
}
