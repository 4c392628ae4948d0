/**
 * The configurations of the OTP benchmark, each run in its own OS process:
 * Erlang's restart_bench.erl under `erl +S n`, Strand's src/otp/restart.ts
 * on a `Scheduler` or a pool; and the clock probe that says how often the
 * machine took the CPU away.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { check } from '../lib/erlang.js';
import { loadText } from '../lib/machine.js';
import { RESULT_PREFIX } from '../lib/metric.js';
import { grouped } from '../lib/report.js';
import type { DriverReport } from './actors.js';
import { INTENSITY, PERIOD_S, PLAN } from './plan.js';
import type { RestartParams } from './restart.js';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** One configuration's run, Erlang's included. */
const RUN_TIMEOUT_MS = 10 * 60_000;

// ─── Statistics ─────────────────────────────────────────────────────────────

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

// ─── Configurations ─────────────────────────────────────────────────────────

export interface Run {
  readonly key: string;
  readonly label: string;
  readonly runtime: 'strand' | 'erlang';
  readonly latenciesUs: number[];
  readonly polls: number[];
  /** Where things ran (pool runs): "driver 1, supervisor 2, children 2 ×10,000". */
  readonly placement?: string;
  readonly wallS: number;
  readonly load: string;
}

/** Runs restart_bench in `erl +S schedulers` from `dir`, where it was compiled. */
export function runErlang(dir: string, schedulers: 1 | 2): { run: Run; otp: string; erts: string } {
  const args = ['-noshell', '+S', String(schedulers), '-pa', dir, '-run', 'restart_bench', 'main'];
  args.push(String(PLAN.crashes), String(PLAN.warmup), String(INTENSITY), String(PERIOD_S), 'bounce');
  const load = loadText();
  const t0 = performance.now();
  const out = check(spawnSync('erl', args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 << 20 }), `erl ${args.join(' ')}`);
  const wallS = (performance.now() - t0) / 1000;
  const lines = out.split('\n');
  const field = (prefix: string): string => {
    const line = lines.find((l) => l.startsWith(prefix));
    if (line === undefined) throw new Error(`erl printed no ${prefix.trim()} line\n${out.slice(0, 2000)}`);
    return line.slice(prefix.length);
  };
  const numbers = (prefix: string): number[] => field(prefix).split(',').map(Number);
  return {
    run: {
      key: `erl${schedulers}`,
      label: `Erlang/OTP, \`erl +S ${schedulers}\``,
      runtime: 'erlang',
      latenciesUs: numbers('LATENCIES '),
      polls: numbers('POLLS '),
      wallS,
      load,
    },
    otp: field('INFO otp '),
    erts: field('INFO erts '),
  };
}

export function runStrand(key: string, label: string, mode: 'scheduler' | 'pool', params: Partial<RestartParams>): Run {
  const full: Partial<RestartParams> = { crashes: PLAN.crashes, warmup: PLAN.warmup, intensity: INTENSITY, periodMs: PERIOD_S * 1000, ...params };
  const args = ['--import', 'tsx', 'src/otp/restart.ts', mode, JSON.stringify(full)];
  const load = loadText();
  const t0 = performance.now();
  const out = check(
    spawnSync(process.execPath, args, { cwd: BENCH_DIR, encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 << 20 }),
    `node ${args.join(' ')}`,
  );
  const wallS = (performance.now() - t0) / 1000;
  const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new Error(`${key} printed no result\n${out.slice(0, 2000)}`);
  const report = JSON.parse(line.slice(RESULT_PREFIX.length)) as DriverReport;
  let placement: string | undefined;
  if (mode === 'pool') {
    const counts = new Map<number, number>();
    for (const on of report.childOn) counts.set(on, (counts.get(on) ?? 0) + 1);
    const children = [...counts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([on, n]) => `${grouped(n)} on ${on}`)
      .join(', ');
    placement = `driver on worker ${report.driverOn}, yielder on ${params.yielderOn ?? 1}, supervisor on ${report.supervisorOn}; restarted children: ${children}`;
  }
  return { key, label, runtime: 'strand', latenciesUs: report.latenciesUs, polls: report.polls, ...(placement === undefined ? {} : { placement }), wallS, load };
}

/**
 * How often the OS takes the CPU from a plain loop reading the clock: the
 * pauses it sees (> 0.2 ms) in `ms` milliseconds. A latency figure can always
 * include one of them.
 */
export function clockProbe(ms: number): { pauses: number; over1ms: number; longest: number; ms: number } {
  const end = performance.now() + ms;
  let last = performance.now();
  let pauses = 0;
  let over1ms = 0;
  let longest = 0;
  for (;;) {
    const t = performance.now();
    const gap = t - last;
    if (gap > 0.2) {
      pauses += 1;
      if (gap > 1) over1ms += 1;
      longest = Math.max(longest, gap);
    }
    last = t;
    if (t >= end) break;
  }
  return { pauses, over1ms, longest, ms };
}
