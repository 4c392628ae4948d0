/**
 * cpu-loop overhead: the same CPU loop run inline (a plain function) and as
 * a process that does a bare `yield` (a reduction point, where the
 * scheduler may preempt it) every iteration, or every k iterations. The
 * figure is the ratio of wall times, process / inline; 1.00 means free.
 *
 * Workloads, from realistic to worst case:
 * - bigint: `acc *= i` computing 2000! (about 270 ns a step on average,
 *   growing with the number: the kind of step the fairness demo takes);
 * - arith: 128 rounds of integer mixing (`Math.imul`, shifts), about 200 ns;
 * - arith-light: 16 rounds, about 30–50 ns;
 * - trivial: `acc = (acc + i) | 0`, under 1 ns: nearly all of the process
 *   figure is the cost of a yield and the scheduler's loop. The worst case.
 *
 * Every variant of one workload runs the same iterations; variants are
 * interleaved over several repeats and each one's fastest run is compared.
 */
import { Scheduler, actor } from '@strand/core';
import { expectNormalExit, now } from '../lib/measure.js';
import type { BenchParams, Metric } from '../lib/metric.js';

/** Results land here so no loop can be optimised away. */
let sink = 0;

const FACTORIAL_OF = 2000n;
const ARITH_ROUNDS = 128;
const ARITH_LIGHT_ROUNDS = 16;

// ─── Inline loops ────────────────────────────────────────────────────────────

function bigintInline(iterations: number): void {
  let acc = 1n;
  let i = 1n;
  for (let n = 0; n < iterations; n++) {
    acc *= i;
    i += 1n;
    if (i > FACTORIAL_OF) {
      sink ^= Number(acc & 0xffffn);
      acc = 1n;
      i = 1n;
    }
  }
  sink ^= Number(acc & 0xffffn);
}

function arithInline(iterations: number, rounds: number): void {
  let h = 1;
  for (let n = 0; n < iterations; n++) {
    for (let j = 0; j < rounds; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
  }
  sink ^= h;
}

function trivialInline(iterations: number): void {
  let acc = 0;
  for (let n = 0; n < iterations; n++) acc = (acc + n) | 0;
  sink ^= acc;
}

// ─── The same loops as processes, yielding every `every` iterations ─────────

const BigintProc = actor(import.meta.url, 'bench.cpu.bigint', function* bigintProcess(iterations: number, every: number) {
  let acc = 1n;
  let i = 1n;
  let countdown = every;
  for (let n = 0; n < iterations; n++) {
    acc *= i;
    i += 1n;
    if (i > FACTORIAL_OF) {
      sink ^= Number(acc & 0xffffn);
      acc = 1n;
      i = 1n;
    }
    if (--countdown === 0) {
      countdown = every;
      yield;
    }
  }
  sink ^= Number(acc & 0xffffn);
});

const ArithProc = actor(import.meta.url, 'bench.cpu.arith', function* arithProcess(iterations: number, every: number, rounds: number) {
  let h = 1;
  let countdown = every;
  for (let n = 0; n < iterations; n++) {
    for (let j = 0; j < rounds; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
    if (--countdown === 0) {
      countdown = every;
      yield;
    }
  }
  sink ^= h;
});

const TrivialProc = actor(import.meta.url, 'bench.cpu.trivial', function* trivialProcess(iterations: number, every: number) {
  let acc = 0;
  let countdown = every;
  for (let n = 0; n < iterations; n++) {
    acc = (acc + n) | 0;
    if (--countdown === 0) {
      countdown = every;
      yield;
    }
  }
  sink ^= acc;
});

interface Workload {
  readonly name: string;
  /** Iterations per run in a full pass (about 100–200 ms inline; the trivial loop is sized by its k = 1 process run). */
  readonly iterations: number;
  readonly inline: (iterations: number) => void;
  readonly process: (scheduler: Scheduler, iterations: number, every: number) => number;
}

const WORKLOADS: readonly Workload[] = [
  {
    name: 'bigint',
    iterations: 500_000,
    inline: bigintInline,
    process: (s, n, every) => s.spawn(BigintProc, n, every),
  },
  {
    name: 'arith',
    iterations: 700_000,
    inline: (n) => arithInline(n, ARITH_ROUNDS),
    process: (s, n, every) => s.spawn(ArithProc, n, every, ARITH_ROUNDS),
  },
  {
    name: 'arith-light',
    iterations: 3_000_000,
    inline: (n) => arithInline(n, ARITH_LIGHT_ROUNDS),
    process: (s, n, every) => s.spawn(ArithProc, n, every, ARITH_LIGHT_ROUNDS),
  },
  {
    name: 'trivial',
    iterations: 20_000_000,
    inline: trivialInline,
    process: (s, n, every) => s.spawn(TrivialProc, n, every),
  },
];

export const YIELD_EVERY: readonly number[] = [1, 10, 100];

async function timeProcess(workload: Workload, iterations: number, every: number): Promise<number> {
  const scheduler = new Scheduler();
  try {
    const t0 = now();
    await expectNormalExit(scheduler, workload.process(scheduler, iterations, every) as never, workload.name);
    return now() - t0;
  } finally {
    await scheduler.stop();
  }
}

function timeInline(workload: Workload, iterations: number): number {
  const t0 = now();
  workload.inline(iterations);
  return now() - t0;
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const scale = params.smoke ? 0.05 : 1;
  const repeats = Number(params.repeats ?? (params.smoke ? 1 : 7));
  const metrics: Metric[] = [];
  for (const workload of WORKLOADS) {
    const iterations = Math.max(1000, Math.round(workload.iterations * scale));
    // Warm-up: both shapes compiled before timing.
    const warm = Math.max(1000, Math.round(iterations / 10));
    timeInline(workload, warm);
    for (const every of YIELD_EVERY) await timeProcess(workload, warm, every);

    // Interleaved so that a burst of load from elsewhere hits every variant alike; each
    // variant's fastest run is its figure (load only ever adds time to CPU-bound work).
    let inline = Infinity;
    const fastest = new Map<number, number>(YIELD_EVERY.map((k) => [k, Infinity]));
    for (let r = 0; r < repeats; r++) {
      inline = Math.min(inline, timeInline(workload, iterations));
      for (const every of YIELD_EVERY) {
        fastest.set(every, Math.min(fastest.get(every)!, await timeProcess(workload, iterations, every)));
      }
    }
    const id = `cpu/${workload.name}`;
    metrics.push({ id: `${id}/inline`, value: (inline * 1e6) / iterations, unit: 'ns/iteration' });
    for (const every of YIELD_EVERY) {
      metrics.push({ id: `${id}/k${every}/ratio`, value: fastest.get(every)! / inline, unit: 'process/inline' });
    }
  }
  if (sink === 0.5) console.log(sink); // keep `sink` observable
  return metrics;
}
