/**
 * The figures of the fairness benchmark, computed from the recorded
 * outcomes: percentiles, the loaded/idle ratio, long-job progress, the
 * targets' verdicts and the row of the results table.
 */
import { type Verdict, metOrMissed } from '../lib/report.js';
import type { Outcome } from './client.js';
import { LONG_N, PLAN, TARGET } from './plan.js';
import type { Poll, Progress, Result } from './result.js';

/** Nearest-rank percentile; failures count as slower than any answer (Infinity). */
export function percentile(outcomes: readonly Outcome[], p: number): number {
  if (outcomes.length === 0) return Number.NaN;
  const sorted = outcomes.map((o) => (o.kind === 'ok' ? o.ms : Number.POSITIVE_INFINITY)).sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

export const count = (outcomes: readonly Outcome[], kind: Outcome['kind']): number => outcomes.filter((o) => o.kind === kind).length;

export function ms(value: number, timeoutMs = PLAN.timeoutMs): string {
  if (Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return `> ${timeoutMs / 1000} s`;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function ratio(r: Result): string {
  const idle = percentile(r.idle, 99);
  const loaded = percentile(r.loaded, 99);
  if (!Number.isFinite(idle) || r.loaded.length === 0) return '–';
  if (!Number.isFinite(loaded)) return `> ${Math.floor(PLAN.timeoutMs / idle)}×`;
  return `${(loaded / idle).toFixed(2)}×`;
}

export function summary(outcomes: readonly Outcome[]): string {
  const failed = outcomes.length - count(outcomes, 'ok');
  return `${outcomes.length} sent, ${count(outcomes, 'ok')} answered, ${failed} failed (${plural(count(outcomes, 'timeout'), 'timeout')}); p50 ${ms(percentile(outcomes, 50))}, p99 ${ms(percentile(outcomes, 99))}`;
}

export const lastPoll = (polls: readonly Poll[]): Poll | undefined => polls[polls.length - 1];
const longJobs = (poll: Poll | undefined): Progress[] => (poll?.jobs ?? []).filter((j) => j.n === LONG_N);

function quantiles(values: readonly number[]): [number, number, number] {
  const s = [...values].sort((a, b) => a - b);
  return [s[0]!, s[(s.length - 1) >> 1]!, s[s.length - 1]!];
}

const k = (n: number): string => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));

export function progressText(poll: Poll | undefined): string {
  if (poll === undefined) return '–';
  if (poll.jobs === undefined) return `/progress failed (${poll.failure})`;
  const jobs = longJobs(poll);
  if (jobs.length === 0) return `0 of ${PLAN.long} listed`;
  const [min, med, max] = quantiles(jobs.map((j) => j.done));
  return `${jobs.length} of ${PLAN.long} listed; ${k(min)} / ${k(med)} / ${k(max)}`;
}

/** Long jobs whose count went up between the last two polls. */
function advancing(polls: readonly Poll[]): { advanced: number; listed: number } | undefined {
  const last = polls[polls.length - 1];
  const before = polls[polls.length - 2];
  if (last?.jobs === undefined || before?.jobs === undefined) return undefined;
  const earlier = new Map(longJobs(before).map((j) => [JSON.stringify(j.pid), j.done]));
  const now = longJobs(last);
  return { advanced: now.filter((j) => j.done > (earlier.get(JSON.stringify(j.pid)) ?? 0)).length, listed: now.length };
}

export function longText(r: Result): string {
  const held = count(r.long, 'held');
  const other = r.long.filter((o) => o.kind !== 'held');
  return `${held} of ${r.long.length} held to the end${other.length === 0 ? '' : `; ${other.map((o) => `${o.kind} after ${ms(o.ms)}${o.detail === undefined ? '' : ` (${o.detail})`}`).join('; ')}`}`;
}

/** Strand's targets: the loaded/idle p99 ratio, no failures, every long job moving. */
export function verdicts(r: Result): Verdict[] {
  const idle99 = percentile(r.idle, 99);
  const loaded99 = percentile(r.loaded, 99);
  const x = loaded99 / idle99;
  const failures = r.idle.length + r.loaded.length - count(r.idle, 'ok') - count(r.loaded, 'ok');
  const adv = advancing(r.polls);
  return [
    metOrMissed(Number.isFinite(x) && x <= TARGET.mustRatio, `loaded p99 ≤ ${TARGET.mustRatio}× idle p99 (required): ${ratio(r)}`),
    metOrMissed(Number.isFinite(x) && x <= TARGET.aimRatio, `loaded p99 ≤ ${TARGET.aimRatio}× idle p99 (aim): ${ratio(r)}`),
    metOrMissed(failures === 0 && r.loaded.length > 0, `zero failures: ${failures} of ${r.idle.length + r.loaded.length} requests failed`),
    metOrMissed(
      adv !== undefined && adv.advanced === PLAN.long,
      `every long job progressing: ${adv === undefined ? 'not observed' : `${adv.advanced} of ${PLAN.long} advanced in the last ${PLAN.pollEveryMs / 1000} s (${adv.listed} listed)`}`,
    ),
  ];
}

export const HEADER = [
  'server',
  'idle p50',
  'idle p99',
  'loaded p50',
  'loaded p99',
  'idle answered',
  'loaded sent',
  'answered',
  'failures',
  'loaded/idle p99',
  'long jobs: multiplications min / median / max',
  'peak RSS',
];

export function row(r: Result): string[] {
  if (r.failedToStart !== undefined) return [r.spec.label, 'failed to start', '', '', '', '', '', '', '', '', '', ''];
  const failures = r.loaded.length - count(r.loaded, 'ok');
  return [
    r.spec.label,
    ms(percentile(r.idle, 50), PLAN.idleTimeoutMs),
    ms(percentile(r.idle, 99), PLAN.idleTimeoutMs),
    ms(percentile(r.loaded, 50)),
    ms(percentile(r.loaded, 99)),
    `${count(r.idle, 'ok')}/${r.idle.length}`,
    String(r.loaded.length),
    String(count(r.loaded, 'ok')),
    failures === 0 ? '0' : `${failures} (${plural(count(r.loaded, 'timeout'), 'timeout')})`,
    ratio(r),
    r.spec.strand ? progressText(lastPoll(r.polls)) : '–',
    `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB${r.killedForMemory === undefined ? '' : ' (killed)'}`,
  ];
}
