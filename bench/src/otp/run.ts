/**
 * Supervisor restart latency, Strand against Erlang/OTP in the same run:
 * crash → restarted child registered AND answering, over 10,000 crashes back
 * to back under one supervisor whose intensity allows them all.
 *
 *   npm run bench:otp                    full run (about a minute), writes docs/otp-benchmarks.md
 *   npm run bench:otp:smoke              500 crashes per configuration, writes nothing;
 *                                        exits 1 if a configuration fails
 *   ... -- --out=FILE                    writes the report to FILE instead (any mode)
 *
 * Configurations, one after another, each in its own OS process:
 * - Erlang/OTP, `erl -noshell +S 1` and `+S 2` (erlang/restart/restart_bench.erl, compiled with erlc at run time);
 * - Strand on one in-thread `Scheduler` (one thread, the fair peer of `+S 1`);
 * - Strand pools (`Strand.start`): 1 worker scheduler; 2 worker schedulers with
 *   the driver's yielder on the other worker (the driver's thread waits between
 *   polls, as a client blocked in a call would); 2 workers with the yielder on
 *   the driver's worker (the driver's thread never idles);
 * - Strand on one `Scheduler` with Node's source maps on (as under tsx, or
 *   `node --enable-source-maps`), to show what reading an Error's stack costs.
 * The processes and the loop are in src/otp/actors.ts and restart_bench.erl.
 *
 * The machine is shared: a clock probe before and after records how often
 * the OS took the CPU away from a plain loop, which bounds what p99.9 and max
 * can mean; the load average is recorded too.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { compileErlang } from '../lib/erlang.js';
import { loadText, machineMeta, revision } from '../lib/machine.js';
import { type Report, type Table, type Verdict, grouped, publish, times, verdictText } from '../lib/report.js';
import { type Run, type Summary, clockProbe, runErlang, runStrand, summarise } from './configurations.js';
import { DOC, INTENSITY, PERIOD_S, PLAN, TARGET, smoke, writeDoc } from './plan.js';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));
const ERLANG_SOURCE = fileURLToPath(new URL('../../erlang/restart/restart_bench.erl', import.meta.url));

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ─── Run ────────────────────────────────────────────────────────────────────

const started = Date.now();
const loadAtStart = loadText();
const probeBefore = clockProbe(PLAN.probeMs);
const runs: Run[] = [];
const erlang = compileErlang(ERLANG_SOURCE);
let erlangInfo: { otp: string; erts: string } | undefined;
if (erlang === undefined) log('Erlang: skipped (install erlang-base)');

const steps: [string, () => Run][] = [
  ...(erlang === undefined
    ? []
    : ([1, 2] as const).map((s): [string, () => Run] => [
        `erlang +S ${s}`,
        () => {
          const { run, otp, erts } = runErlang(erlang, s);
          erlangInfo = { otp, erts };
          return run;
        },
      ])),
  ['strand scheduler', () => runStrand('scheduler', 'Strand, one in-thread `Scheduler`', 'scheduler', {})],
  ['strand pool 1', () => runStrand('pool1', 'Strand pool, 1 worker scheduler', 'pool', { schedulers: 1, yielderOn: 1 })],
  [
    'strand pool 2 (yielder on the other worker)',
    () => runStrand('pool2', 'Strand pool, 2 workers, driver waits between polls', 'pool', { schedulers: 2, yielderOn: 2 }),
  ],
  [
    'strand pool 2 (yielder on the driver worker)',
    () => runStrand('pool2busy', "Strand pool, 2 workers, driver's thread never idle", 'pool', { schedulers: 2, yielderOn: 1 }),
  ],
  [
    'strand scheduler, source maps on',
    () => runStrand('maps', 'Strand, one `Scheduler`, source maps on', 'scheduler', { sourceMaps: true }),
  ],
];
try {
  for (const [name, step] of steps) {
    log(`${name}: ${grouped(PLAN.crashes)} crashes after ${grouped(PLAN.warmup)} warm-up (load average ${loadText()})`);
    const run = step();
    const s = summarise(run.latenciesUs);
    log(`  median ${s.median.toFixed(1)} µs, p99 ${s.p99.toFixed(1)} µs, max ${s.max.toFixed(0)} µs (${run.wallS.toFixed(1)} s)`);
    runs.push(run);
  }
} finally {
  if (erlang !== undefined) rmSync(erlang, { recursive: true, force: true });
}
const probeAfter = clockProbe(PLAN.probeMs);
const loadAtEnd = loadText();

// ─── Report ─────────────────────────────────────────────────────────────────

const us = (v: number): string => (!Number.isFinite(v) ? '–' : v >= 1000 ? grouped(v, 0) : grouped(v, 1));
const firstN = Math.min(PLAN.block, Math.floor(PLAN.crashes / 2));
const first = (r: Run): Summary => summarise(r.latenciesUs.slice(0, firstN));
const last = (r: Run): Summary => summarise(r.latenciesUs.slice(-firstN));
const growthOf = (r: Run): number => last(r).median / first(r).median;

function atMostUs(value: number, limit: number): Verdict {
  const shown = `${us(value)} µs vs ≤ ${grouped(limit)} µs`;
  const margin = Math.round((Math.abs(limit - value) / limit) * 100);
  return value <= limit ? { status: 'met', margin: `${shown} (${margin}% under)` } : { status: 'missed', margin: `${shown} (${margin}% over)` };
}

function growthVerdict(r: Run): Verdict {
  const g = growthOf(r);
  const shown = `last ${grouped(firstN)} / first ${grouped(firstN)} median = ${times(g)} vs ≤ ${times(TARGET.growth)}`;
  return g <= TARGET.growth ? { status: 'met', margin: shown } : { status: 'missed', margin: shown };
}

const strandRuns = runs.filter((r) => r.runtime === 'strand');
const headline = runs.find((r) => r.key === 'scheduler');
const summary: string[][] = [];
for (const r of strandRuns) {
  const s = summarise(r.latenciesUs);
  summary.push([`median ≤ ${TARGET.medianUs} µs`, r.label, verdictText(atMostUs(s.median, TARGET.medianUs))]);
  summary.push([`p99 ≤ ${TARGET.p99Us} µs`, r.label, verdictText(atMostUs(s.p99, TARGET.p99Us))]);
  summary.push(['no growth with the restart history', r.label, verdictText(growthVerdict(r))]);
}

const mainRows = runs.map((r) => {
  const s = summarise(r.latenciesUs);
  return [r.label, us(s.median), us(s.p99), us(s.p999), us(s.max), us(s.mean), grouped(summarise(r.polls).median)];
});

const historyRows = runs.map((r) => {
  const f = first(r);
  const l = last(r);
  return [r.label, us(f.median), us(f.p99), us(l.median), us(l.p99), times(growthOf(r))];
});

const blocks = Math.ceil(PLAN.crashes / PLAN.block);
const blockHeader = ['Configuration', ...Array.from({ length: blocks }, (_, i) => `${grouped(i * PLAN.block + 1)}–${grouped(Math.min(PLAN.crashes, (i + 1) * PLAN.block))}`)];
const blockRows = runs.map((r) => [
  r.label,
  ...Array.from({ length: blocks }, (_, i) => us(summarise(r.latenciesUs.slice(i * PLAN.block, (i + 1) * PLAN.block)).median)),
]);

/** Who is faster, by how much: erlang / strand latency → "Strand 2.10× faster" or "Erlang 3.40× faster". */
const faster = (erlangUs: number, strandUs: number): string => {
  const r = erlangUs / strandUs;
  if (!Number.isFinite(r) || r <= 0) return '–';
  return r >= 1 ? `Strand ${times(r)} faster` : `Erlang ${times(1 / r)} faster`;
};

const byKey = new Map(runs.map((r) => [r.key, r]));
const ratioRows: string[][] = [];
for (const [strandKey, erlKey] of [
  ['scheduler', 'erl1'],
  ['pool2', 'erl2'],
] as const) {
  const a = byKey.get(strandKey);
  const b = byKey.get(erlKey);
  if (a === undefined || b === undefined) continue;
  const sa = summarise(a.latenciesUs);
  const sb = summarise(b.latenciesUs);
  ratioRows.push([
    `${a.label} vs ${b.label}`,
    faster(sb.median, sa.median),
    faster(sb.p99, sa.p99),
    faster(first(b).median, first(a).median),
    faster(last(b).median, last(a).median),
  ]);
}

const probeText = (p: ReturnType<typeof clockProbe>): string =>
  `${p.pauses} pauses > 0.2 ms in ${(p.ms / 1000).toFixed(1)} s, ${p.over1ms} of them > 1 ms, longest ${p.longest.toFixed(1)} ms`;

const tables: Table[] = [
  {
    title: 'Targets',
    intro:
      'Strand targets: median ≤ 50 µs, p99 ≤ 500 µs, and no growth with the length of the restart history (the median of the last 1,000 restarts at most 1.25× that of the first 1,000; the 25% allows for the noise of this machine). The in-thread `Scheduler` is the configuration the targets are about (driver and supervisor on one scheduler, as BEAM `+S 1`); the pools are judged too, for information.',
    header: ['Target', 'Configuration', 'Status'],
    rows: summary,
  },
  {
    title: `Restart latency over ${grouped(PLAN.crashes)} crashes (µs)`,
    intro:
      `Crash → restarted child registered and answering \`ping\`, every crash of the run under one supervisor. p99.9: ${grouped(Math.floor(PLAN.crashes / 1000))} of the ${grouped(PLAN.crashes)} restarts took longer. Max and p99.9 are at the mercy of the machine (see the clock probe above).`,
    header: ['Configuration', 'median', 'p99', 'p99.9', 'max', 'mean', 'polls (median)'],
    rows: mainRows,
    notes: runs.filter((r) => r.placement !== undefined).map((r) => `${r.label}: ${r.placement}.`),
  },
  {
    title: 'Growth with the restart history',
    intro: `The first ${grouped(firstN)} restarts of the supervisor (its history is short) against the last ${grouped(firstN)} (it holds ${grouped(PLAN.crashes - firstN)}+ restarts, all within the period). OTP 25's supervisor prepends each restart time to a list and walks and copies it on every restart (\`add_restart/3\`: \`lists:takewhile\` over the restarts within the period, then \`length/1\`); Strand's \`RestartIntensity\` keeps at most intensity + 1 times and does constant work per restart.`,
    header: ['Configuration', `first ${grouped(firstN)}: median`, 'p99', `last ${grouped(firstN)}: median`, 'p99', 'last / first (median)'],
    rows: historyRows,
  },
  {
    title: `Median per block of ${grouped(PLAN.block)} restarts (µs)`,
    intro: 'The same runs, in crash order: a steady climb is the cost of the history; steps that come and go are the machine.',
    header: blockHeader,
    rows: blockRows,
  },
  {
    title: 'Strand against Erlang',
    intro: 'The ratio of the two latencies, each pair from this run.',
    header: ['Pair', 'median', 'p99', `first ${grouped(firstN)} (median)`, `last ${grouped(firstN)} (median)`],
    rows: ratioRows,
  },
];

const method = [
  '## Method',
  '',
  `- **Processes** (Strand: \`bench/src/otp/actors.ts\`; Erlang: \`bench/erlang/restart/restart_bench.erl\`): a one_for_one supervisor, intensity ${grouped(INTENSITY)} in ${grouped(PERIOD_S)} s (so every one of the ${grouped(PLAN.crashes)} restarts is allowed and the whole history stays within the period), with one permanent child: a Server (gen_server) registered under a name (Strand: \`register\` in \`init\`; Erlang: \`gen_server:start_link({local, Name}, …)\`) that answers the call \`ping\` and crashes on the cast \`crash\` (Strand: \`throw new Error('crash')\` in \`handleCast\`; Erlang: \`erlang:error(crash)\` in \`handle_cast\`).`,
  `- **Driver**: a process (not plain code, so the main thread's event loop is not part of any figure) that loops ${grouped(PLAN.crashes)} times: t0 (Strand \`performance.now()\`, Erlang \`erlang:monotonic_time(nanosecond)\`), cast \`crash\` to the child, then poll \`whereis(name)\` until it returns a pid other than the crashed one, then call it with \`ping\` until it answers \`pong\`; latency = that moment − t0. Between two polls the driver lets the other processes run by a round trip to a yielder process (Strand has no \`erlang:yield()\`: a process gives up its scheduler only by blocking). The Erlang side does the same; with \`erlang:yield()\` instead, a trial run gave the same medians and worse tails.`,
  `- **Warm-up**: ${grouped(PLAN.warmup)} crashes first, spread over 5 supervisors started and stopped one after another, then a fresh supervisor for the measured crashes (its history starts empty). The rounds matter for V8: stopping a supervisor takes paths the restarts do not, and the first time V8 sees them it deoptimises about twenty hot functions (scheduler, server loop, supervisor), which took another 1,000–2,000 restarts to recover; after two rounds it no longer happens. Erlang does the same warm-up (BEAM compiles code when it loads it: it has little to warm up).`,
  '- **Crash reports**: Strand runs with `onCrash` dropping the child\'s reports (as `onCrash: () => {}`; any other crash fails the run); with the default reporter a stderr line per crash would be most of what is measured. Erlang runs with `logger:set_primary_config(level, none)`, so crash reports and supervisor reports are dropped where they are made. In pools, each worker still posts every crash report to the main thread, where `onCrash` drops it: that cost is in the figures.',
  '- **Source maps**: the bench runs TypeScript through tsx, which turns on Node\'s source-map support; Strand reads the stack of every crash\'s Error (`errorReason`), which then costs about twice as much (a bare `new Error().stack` read: 7 µs without, 15 µs with, on this machine). Each Strand process (and every pool thread) turns it off again (`process.setSourceMapsEnabled(false)`), as a compiled app runs; the last row turns it on to show the difference.',
  '- **Configurations**: Erlang `erl -noshell +S 1` and `+S 2`. Strand: one in-thread `new Scheduler()` (driver, yielder, supervisor and child on one thread: the fair peer of `+S 1`); `Strand.start({ schedulers: 1 })`; `Strand.start({ schedulers: 2 })` with the driver on worker 1 (`spawnOn`) and the supervisor and each restarted child wherever the runtime\'s least-loaded placement puts them, the yielder either on worker 2 (the driver\'s thread idles between polls, as a client blocked in a call) or on worker 1 (the driver\'s thread never idles). Each configuration runs once, in its own OS process, one after another.',
  `- **Statistics**: nearest-rank quantiles over the ${grouped(PLAN.crashes)} measured restarts; "polls" counts the \`whereis\` or \`ping\` tries that did not yet see the new child.`,
];

const report: Report = {
  title: smoke ? 'OTP benchmarks: supervisor restart latency (smoke run: not for comparison)' : 'OTP benchmarks: supervisor restart latency',
  meta: [
    ...machineMeta(),
    ['Erlang/OTP', erlangInfo === undefined ? 'skipped (install erlang-base)' : `OTP ${erlangInfo.otp} (erts ${erlangInfo.erts})`],
    ['Command', smoke ? '`npm run bench:otp:smoke --workspace=@strand/bench`' : '`npm run bench:otp`'],
    ['Strand revision', `\`${revision(BENCH_DIR)}\``],
    ['Crashes', `${grouped(PLAN.crashes)} measured per configuration, after ${grouped(PLAN.warmup)} of warm-up`],
    ['Wall time of the run', `${((Date.now() - started) / 1000).toFixed(0)} s`],
    ['Load average (1/5/15 min)', `${loadAtStart} at start, ${loadAtEnd} at end (${os.availableParallelism()} CPUs); per configuration: ${runs.map((r) => `${r.key} ${r.load.split(' / ')[0]}`).join(', ')}`],
    ['Clock probe (a plain loop reading the clock)', `before: ${probeText(probeBefore)}; after: ${probeText(probeAfter)}`],
  ],
  preface: [
    `The machine is shared and noisy (another benchmark may run on it at the same time): read the figures of one run against each other. Each configuration ran once, ${grouped(PLAN.crashes)} crashes back to back.`,
  ],
  tables,
  epilogue: [...method, '', '## Analysis', '', '<!-- analysis -->'],
};

publish(report, writeDoc ? DOC : undefined);
if (headline === undefined || (erlang !== undefined && runs.filter((r) => r.runtime === 'erlang').length !== 2)) process.exitCode = 1;
