/**
 * What the fairness benchmark sends, for how long, and where things are:
 * the full plan, and the smoke plan that only proves the benchmark works.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
export const smoke = argv.includes('--smoke');
/** `--only=strand-la,plain`: just these servers, and docs/ left alone. */
export const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BENCH = join(ROOT, 'bench');
export const FACTORIAL = join(ROOT, 'examples', 'factorial');

export const SHORT_N = 10_000;
export const LONG_N = 999_999_999;
/** `--long=N`: N long jobs in flight instead of ten (the curve in curve.ts); docs/fairness.md is left alone. */
export const longOverride = argv.find((a) => a.startsWith('--long='))?.slice('--long='.length);
const long = longOverride === undefined ? 10 : Number(longOverride);
if (!Number.isInteger(long) || long < 1 || long > 1_000) throw new Error(`--long=${longOverride}: a whole number of long jobs, 1 to 1000`);
export const PLAN = smoke
  ? { warmup: 1, idle: 5, long, loadedMs: 3_000, timeoutMs: 2_000, pollEveryMs: 1_000, idleTimeoutMs: 10_000 }
  : { warmup: 2, idle: 20, long, loadedMs: 20_000, timeoutMs: 5_000, pollEveryMs: 5_000, idleTimeoutMs: 10_000 };
/** Bounds every loop: no phase sends more requests than this. */
export const MAX_REQUESTS_PER_PHASE = 100_000;
/** A server's process group is killed if it grows past this (Erlang's heap grows by gigabytes with ten long factorials). */
export const MAX_RSS_BYTES = 8 * 2 ** 30;
export const SMOKE_SERVERS = ['strand-la', 'plain'];

/** The targets the doc states for Strand's latency policy. */
export const TARGET = { mustRatio: 2, aimRatio: 1.3 } as const;
