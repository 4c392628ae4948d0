/**
 * tinybench tasks as the suite's figures: each task's median time per
 * operation as `micro/<task>`, plus its relative margin of error and sample
 * count, which the micro-benchmark table in src/run.ts shows beside it.
 */
import type { Bench, FnReturnedObject } from 'tinybench';
import type { Metric } from './metric.js';

/** Sample budgets: the smoke run only proves each task runs. */
export function benchOptions(smoke: boolean) {
  return {
    time: smoke ? 40 : 1000,
    warmupTime: smoke ? 10 : 250,
    iterations: smoke ? 4 : 64,
    warmupIterations: smoke ? 2 : 16,
    throws: true,
  } as const;
}

/** A task result that records the mean time per operation of a batch. */
export function perOp(elapsedMs: number, ops: number): FnReturnedObject {
  return { overriddenDuration: elapsedMs / ops, overriddenIterationCost: elapsedMs };
}

export function metricsOf(bench: Bench): Metric[] {
  const metrics: Metric[] = [];
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed' && result.state !== 'aborted-with-statistics') {
      throw new Error(`micro task ${task.name}: ${result.state}`);
    }
    metrics.push({ id: `micro/${task.name}`, value: result.latency.p50 * 1e6, unit: 'ns/op (median)' });
    metrics.push({ id: `micro/${task.name}/rme`, value: result.latency.rme, unit: '%' });
    metrics.push({ id: `micro/${task.name}/samples`, value: result.latency.samplesCount, unit: 'samples' });
  }
  return metrics;
}
