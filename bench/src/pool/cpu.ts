/**
 * CPU-bound processes on one worker scheduler vs two: `jobs` processes
 * (default 8), each computing a fixed amount of CPU work in a loop that
 * yields (a reduction point, where its scheduler may switch) at every step,
 * spawned at once with `rt.spawn` (placement decides where). Figure: wall
 * time from the first spawn until every job has reported; the runner
 * divides the one-scheduler time by the two-scheduler time (speedup).
 *
 * Workloads:
 * - bigint: 3000! computed `rounds` times, yielding after every multiply
 *   (about 0.7 µs a step on average on this machine);
 * - arith: `units` steps of 400 rounds of integer mixing, yielding after
 *   every step (about 1 µs a step).
 *
 * `impl: 'raw'` is the reference for what the machine allows at the time:
 * the same jobs as plain functions (no yields, no Strand) on `schedulers`
 * plain worker threads, the jobs dealt round-robin to them.
 */
import { parentPort } from 'node:worker_threads';
import { type Pid, actor, self, send } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import type { Runtime } from '@strand/pool';
import type { BenchParams, Metric } from '../lib/metric.js';
import { now, startStrand, tsWorker } from './common.js';

export const FACTORIAL_OF = 3000n;
export const ARITH_ROUNDS = 400;

export type Workload = 'bigint' | 'arith';
export const WORKLOADS: readonly Workload[] = ['bigint', 'arith'];

/** Work of one job: `rounds` factorials (bigint) or `units` steps (arith). */
export interface JobSize {
  readonly rounds: number;
  readonly units: number;
}

export const CpuJob = actor(import.meta.url, 'bench.pool.CpuJob', function* cpuJob(report: Pid, workload: Workload, size: JobSize) {
  let check = 0;
  if (workload === 'bigint') {
    for (let r = 0; r < size.rounds; r++) {
      let acc = 1n;
      for (let i = 2n; i <= FACTORIAL_OF; i++) {
        acc *= i;
        yield;
      }
      check ^= Number(acc & 0xffffn);
    }
  } else {
    let h = 1;
    for (let u = 0; u < size.units; u++) {
      for (let j = 0; j < ARITH_ROUNDS; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
      yield;
    }
    check = h;
  }
  send(report, [ownerOf(self()), check]);
});

/** The same job as a plain function, for the raw threads. */
export function jobInline(workload: Workload, size: JobSize): number {
  let check = 0;
  if (workload === 'bigint') {
    for (let r = 0; r < size.rounds; r++) {
      let acc = 1n;
      for (let i = 2n; i <= FACTORIAL_OF; i++) acc *= i;
      check ^= Number(acc & 0xffffn);
    }
  } else {
    let h = 1;
    for (let u = 0; u < size.units; u++) {
      for (let j = 0; j < ARITH_ROUNDS; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
    }
    check = h;
  }
  return check;
}

/** Entry point of a raw thread: runs the jobs it is sent, answers each batch with its results. */
export function rawThread(): void {
  parentPort!.on('message', ({ workload, size, count }: { workload: Workload; size: JobSize; count: number }) => {
    let check = 0;
    for (let k = 0; k < count; k++) check ^= jobInline(workload, size);
    parentPort!.postMessage(check);
  });
}

/** `jobs` jobs on `rt`; returns wall ms and how many jobs ran on each scheduler. */
async function strandOnce(rt: Runtime, workload: Workload, jobs: number, size: JobSize): Promise<{ ms: number; split: number[] }> {
  const inbox = rt.inbox();
  const split = new Array<number>(rt.schedulers + 1).fill(0);
  const t0 = now();
  for (let k = 0; k < jobs; k++) rt.spawn(CpuJob, inbox.pid, workload, size);
  for (let k = 0; k < jobs; k++) {
    const [scheduler] = (await inbox.receive()) as [number, number];
    split[scheduler]! += 1;
  }
  const ms = now() - t0;
  inbox.close();
  return { ms, split: split.slice(1) };
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const impl = (params.impl ?? 'strand') as 'strand' | 'raw';
  const schedulers = Number(params.schedulers ?? 2);
  const jobs = Number(params.jobs ?? 8);
  const sizes: Record<Workload, JobSize> = {
    bigint: { rounds: Number(params.rounds ?? (params.smoke ? 5 : 100)), units: 0 },
    arith: { rounds: 0, units: Number(params.units ?? (params.smoke ? 10_000 : 200_000)) },
  };
  const warmSize = (w: Workload): JobSize => ({ rounds: Math.max(1, sizes[w].rounds >> 4), units: sizes[w].units >> 4 });
  const metrics: Metric[] = [];
  const id = (w: Workload, what: string): string => `cpu/${impl}/s${schedulers}/${w}/${what}`;

  if (impl === 'strand') {
    const rt = await startStrand(schedulers);
    try {
      for (const w of WORKLOADS) await strandOnce(rt, w, jobs, warmSize(w));
      for (const w of WORKLOADS) {
        const { ms, split } = await strandOnce(rt, w, jobs, sizes[w]);
        metrics.push({ id: id(w, 'ms'), value: ms, unit: 'ms' });
        split.forEach((n, i) => metrics.push({ id: id(w, `jobs-on-${i + 1}`), value: n, unit: 'jobs' }));
      }
    } finally {
      await rt.stop();
    }
    return metrics;
  }

  const threads = Array.from({ length: schedulers }, () => tsWorker(import.meta.url, 'rawThread', undefined));
  try {
    const once = async (w: Workload, size: JobSize): Promise<number> => {
      const t0 = now();
      await Promise.all(
        threads.map(
          (thread, i) =>
            new Promise<void>((resolve, reject) => {
              thread.once('message', () => resolve());
              thread.once('error', reject);
              // Jobs dealt round-robin: thread i gets jobs i, i + n, i + 2n…
              thread.postMessage({ workload: w, size, count: Math.ceil((jobs - i) / schedulers) });
            }),
        ),
      );
      return now() - t0;
    };
    for (const w of WORKLOADS) await once(w, warmSize(w));
    for (const w of WORKLOADS) metrics.push({ id: id(w, 'ms'), value: await once(w, sizes[w]), unit: 'ms' });
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return metrics;
}
