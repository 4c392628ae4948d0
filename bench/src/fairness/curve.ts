/**
 * The fairness curve: Strand (least-attained policy) with 10, 50, 100 and
 * 500 `999999999!` in flight. Each point is one run of the fairness
 * benchmark (run.ts --only=strand-la --long=N) in a child process; its raw
 * outcomes are read back and summed up here.
 *
 *   npm run bench:fairness:curve -w @strand/bench    writes docs/fairness-curve.md
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadText, machineMeta, revision } from '../lib/machine.js';
import { type Report, metOrMissed, publish, times, verdictText } from '../lib/report.js';
import type { Outcome } from './client.js';
import { count, ms, percentile } from './figures.js';
import { BENCH, ROOT } from './plan.js';

const LONG_JOBS = [10, 50, 100, 500] as const;
/**
 * Requests sent in the first seconds meet long jobs that are as young as
 * they are: least-attained service cannot tell them apart until the long
 * jobs have used more CPU than a short one needs. The steady state is read
 * from the requests sent after this.
 */
const STEADY_AFTER_MS = 5_000;
/** The bound for loaded/idle p99 with 100 long jobs. */
const TARGET_AT_100 = 1.5;

interface Point {
  readonly long: number;
  readonly idle: readonly Outcome[];
  readonly loaded: readonly Outcome[];
  readonly load: string;
}

function runPoint(long: number): Point {
  const before = loadText();
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/fairness/run.ts', '--only=strand-la', `--long=${long}`], {
    cwd: BENCH,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(child.stdout);
  const dir = /report written to (\S+)/.exec(child.stdout)?.[1];
  if (dir === undefined) throw new Error(`the run with ${long} long jobs wrote no report (exit ${child.status})`);
  const raw = JSON.parse(readFileSync(join(dir, 'fairness.json'), 'utf8')) as { results: { idle: Outcome[]; loaded: Outcome[] }[] };
  const [result] = raw.results;
  if (result === undefined) throw new Error(`the run with ${long} long jobs has no result`);
  return { long, idle: result.idle, loaded: result.loaded, load: `${before} → ${loadText()}` };
}

const ratio = (p: Point, q: number): number => percentile(p.loaded, q) / percentile(p.idle, q);
const steady = (p: Point): Point => ({ ...p, loaded: p.loaded.filter((o) => o.at >= STEADY_AFTER_MS) });

const points = LONG_JOBS.map(runPoint);
const at100 = points.find((p) => p.long === 100)!;
const report: Report = {
  title: 'Fairness curve: `10000!` while 10 to 500 `999999999!` are in flight',
  meta: [...machineMeta(), ['Revision', revision(ROOT)], ['Command', '`npm run bench:fairness:curve -w @strand/bench` (after `npm run bench:fairness`, which builds)']],
  preface: [
    'Strand with its least-attained policy only (docs/fairness.md has the peers, which already fail with 10 long jobs). Each row is one run of the fairness benchmark with that many long requests held open; the idle phase is measured in the same run, just before.',
  ],
  tables: [
    {
      title: 'Results',
      header: [
        'long jobs',
        'idle p50',
        'idle p99',
        'loaded p50',
        'loaded p99',
        'loaded sent',
        'failures',
        'loaded/idle p50',
        'loaded/idle p99',
        `after ${STEADY_AFTER_MS / 1000} s: loaded/idle p99`,
        'load average (1/5/15) before → after',
      ],
      rows: points.map((p) => [
        String(p.long),
        ms(percentile(p.idle, 50)),
        ms(percentile(p.idle, 99)),
        ms(percentile(p.loaded, 50)),
        ms(percentile(p.loaded, 99)),
        String(p.loaded.length),
        String(p.loaded.length - count(p.loaded, 'ok')),
        times(ratio(p, 50)),
        times(ratio(p, 99)),
        times(ratio(steady(p), 99)),
        p.load,
      ]),
      notes: [
        'Percentiles are nearest-rank, failures counted as slower than any answer; idle p99 is the slowest of 20 idle requests.',
        `"After ${STEADY_AFTER_MS / 1000} s": only the requests sent once the long jobs had run ${STEADY_AFTER_MS / 1000} s. Before that the long jobs are as young as a short request, and least-attained service cannot tell them apart: a request waits until each long job has used as much CPU as it needs (about N × its CPU time ÷ cores).`,
      ],
    },
  ],
  sections: [
    {
      title: 'Target',
      body: [
        {
          list: [
            verdictText(metOrMissed(ratio(at100, 99) <= TARGET_AT_100, `loaded p99 ≤ ${TARGET_AT_100}× idle p99 with 100 long jobs, every request: ${times(ratio(at100, 99))}`)),
            verdictText(
              metOrMissed(ratio(steady(at100), 99) <= TARGET_AT_100, `the same, after the first ${STEADY_AFTER_MS / 1000} s: ${times(ratio(steady(at100), 99))}`),
            ),
          ],
        },
      ],
    },
  ],
};
publish(report, join(ROOT, 'docs', 'fairness-curve.md'));
