/**
 * Supervisor restart latency, Strand side: one configuration in this Node
 * process; prints the driver's report on one line for the runner (src/otp/run.ts).
 *
 *   node --import tsx src/otp/restart.ts <scheduler|pool> [json params]
 *
 * params (JSON, all optional): `{ crashes, warmup, intensity, periodMs, schedulers,
 * sourceMaps, yielderOn, turnTimeLimitMs }`; see `RestartParams`.
 *
 * - `scheduler`: one in-thread `new Scheduler()` (one thread, like `erl +S 1`):
 *   driver, yielder, supervisor and child all run on it.
 * - `pool`: `Strand.start({ schedulers })`; the driver is spawned on worker
 *   scheduler 1 and its yielder on `yielderOn`; the supervisor and its
 *   children go where the runtime's least-loaded placement puts them.
 *
 * Crash reports: the child's are dropped (`onCrash` returns at once, as
 * `onCrash: () => {}` would); with the default reporter, a line on stderr per
 * crash would be most of what is measured. Any other process crashing fails the run.
 *
 * The measured loop runs in a process (`Driver`, src/otp/actors.ts), not in
 * plain code, so the main thread's event loop is not part of any latency.
 * For a CPU profile: `node --cpu-prof --import tsx src/otp/restart.ts scheduler`.
 */
import { type CrashReport, Scheduler, TIMEOUT } from '@strand/core';
import { Strand } from '@strand/pool';
import { RESULT_PREFIX } from '../lib/metric.js';
import { Driver, type DriverReport, Yielder } from './actors.js';

export interface RestartParams {
  readonly crashes: number;
  readonly warmup: number;
  readonly intensity: number;
  readonly periodMs: number;
  readonly schedulers: number;
  /** Keep Node's source-map support on (tsx turns it on; it makes reading an Error's stack about twice as dear). */
  readonly sourceMaps: boolean;
  /** Pool runs: the worker scheduler the yielder runs on (the driver runs on 1). */
  readonly yielderOn: number;
  /** Scheduler tuning (experiments): `turnTimeLimitMs` of every scheduler. */
  readonly turnTimeLimitMs?: number;
}

export const DEFAULT_PARAMS: RestartParams = { crashes: 10_000, warmup: 5_000, intensity: 1_000_000, periodMs: 5_000_000, schedulers: 2, sourceMaps: false, yielderOn: 1 };

/** How long one configuration may take before the run is called failed. */
const TIMEOUT_MS = Number(process.env.STRAND_BENCH_TIMEOUT_MS ?? 5 * 60_000);

/** Drops the children's crash reports (the benchmark makes them on purpose); anything else crashing is a failure. */
function onCrash(report: CrashReport): void {
  if (report.actor === 'bench.restart.Child') return;
  process.stderr.write(`restart benchmark: ${report.actor} crashed: ${JSON.stringify(report.reason)}\n`);
  process.exit(1);
}

const isReport = (m: unknown): m is DriverReport => typeof m === 'object' && m !== null && (m as DriverReport).type === 'restart-report';

export async function onScheduler(p: RestartParams): Promise<DriverReport> {
  const scheduler = new Scheduler({ onCrash, ...(p.turnTimeLimitMs === undefined ? {} : { turnTimeLimitMs: p.turnTimeLimitMs }) });
  try {
    const inbox = scheduler.inbox();
    const yielder = scheduler.spawn(Yielder);
    scheduler.spawn(Driver, inbox.pid, yielder, p.crashes, p.warmup, p.intensity, p.periodMs);
    const report = await inbox.receive(isReport, TIMEOUT_MS);
    if (report === TIMEOUT) throw new Error('restart benchmark: no report in time');
    inbox.close();
    return report as DriverReport;
  } finally {
    await scheduler.stop();
  }
}

export async function onPool(p: RestartParams): Promise<DriverReport> {
  const runtime = await Strand.start({
    schedulers: p.schedulers,
    ...(p.turnTimeLimitMs === undefined ? {} : { turnTimeLimitMs: p.turnTimeLimitMs }),
    preload: [new URL('./register-tsx.mjs', import.meta.url).href],
    onCrash,
  });
  try {
    const inbox = runtime.inbox();
    const yielder = runtime.spawnOn(p.yielderOn, Yielder);
    runtime.spawnOn(1, Driver, inbox.pid, yielder, p.crashes, p.warmup, p.intensity, p.periodMs);
    const report = await inbox.receive(isReport, TIMEOUT_MS);
    if (report === TIMEOUT) throw new Error('restart benchmark: no report in time');
    inbox.close();
    return report as DriverReport;
  } finally {
    await runtime.stop();
  }
}

const [mode, json] = process.argv.slice(2);
if (mode !== 'scheduler' && mode !== 'pool') {
  process.stderr.write('usage: restart.ts <scheduler|pool> [json params]\n');
  process.exit(2);
}
const params: RestartParams = { ...DEFAULT_PARAMS, ...(json === undefined ? {} : (JSON.parse(json) as Partial<RestartParams>)) };
// Loaded through tsx, which turns source maps on; a compiled app runs without them unless told otherwise.
// The scheduler threads of a pool read the variable (register-tsx.mjs).
process.setSourceMapsEnabled(params.sourceMaps);
process.env.STRAND_BENCH_SOURCE_MAPS = params.sourceMaps ? '1' : '0';
const report = mode === 'scheduler' ? await onScheduler(params) : await onPool(params);
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(report)}\n`);
