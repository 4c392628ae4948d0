/**
 * The fairness benchmark: does `10000!` answer about as fast while ten
 * `999999999!` are in flight as on an idle server? Strand side by side with
 * plain node:http, node:cluster, Piscina and Erlang/OTP, each started here as
 * a child process on 127.0.0.1 and driven by the same client (client.ts).
 *
 *   npm run bench:fairness               from the repo root: builds, runs every server (a few minutes),
 *                                        writes docs/fairness.md and docs/fairness.svg
 *   npm run bench:fairness:smoke -w @strand/bench
 *                                        short phases, 2 servers, writes nothing under docs/ (CI)
 *   node --import tsx src/fairness/run.ts [--smoke] [--only=strand-la,plain,...] [--long=N]
 *                                        (--only and --long never write docs/; curve.ts runs --long for 10 to 500)
 *
 * Per server (phases.ts): 2 warm-up requests (not counted); 20 idle `10000!`
 * one after another; then 10 `999999999!` held open while `10000!` requests
 * go one after another for 20 s, each with a 5 s timeout; then the long
 * requests' sockets are destroyed and the server is ended by its process group id.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { machineText } from '../lib/machine.js';
import { renderMarkdown, renderText } from '../lib/report.js';
import { type Point, renderChart } from './chart.js';
import { fairnessReport } from './doc.js';
import { count, lastPoll } from './figures.js';
import { runServer } from './phases.js';
import { PLAN, ROOT, SMOKE_SERVERS, longOverride, only, smoke } from './plan.js';
import type { Result } from './result.js';
import { NODE_SERVERS, erlangSetUp, piscinaVersion } from './servers.js';

const writeDocs = !smoke && only === undefined && longOverride === undefined;
const DOC = join(ROOT, 'docs', 'fairness.md');
const SVG = join(ROOT, 'docs', 'fairness.svg');

function problemsOf(results: readonly Result[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    if (r.failedToStart !== undefined) problems.push(`${r.spec.label} failed to start: ${r.failedToStart.split('\n')[0]}`);
    else if (count(r.idle, 'ok') !== r.idle.length) problems.push(`${r.spec.label}: ${r.idle.length - count(r.idle, 'ok')} idle requests failed`);
    if (r.spec.strand && r.failedToStart === undefined && lastPoll(r.polls)?.jobs === undefined) problems.push(`${r.spec.label}: /progress could not be read (${lastPoll(r.polls)?.failure ?? 'no poll'})`);
    if (r.killedForMemory !== undefined) problems.push(`${r.spec.label}: ${r.killedForMemory}`);
  }
  return problems;
}

/** Every `10000!` request of every server, for the chart. */
function points(results: readonly Result[]): Point[] {
  return results.flatMap((r) =>
    (['idle', 'loaded'] as const).flatMap((phase) =>
      (phase === 'idle' ? r.idle : r.loaded).map((o) => ({
        server: r.spec.label,
        phase,
        ms: o.ms,
        outcome: o.kind === 'ok' ? ('answered' as const) : o.kind === 'timeout' ? ('timeout' as const) : ('error' as const),
        t: o.at / 1000,
      })),
    ),
  );
}

async function main(): Promise<void> {
  for (const dist of ['core', 'pool', 'otp', 'http']) {
    if (!existsSync(join(ROOT, 'packages', dist, 'dist', 'index.js'))) {
      throw new Error(`packages/${dist} is not built: run \`npm run bench:fairness\` from the repository root (it builds first), or \`npx turbo run build --filter=@strand/example-factorial...\``);
    }
  }
  const erlang = erlangSetUp();
  if (erlang.note !== undefined) console.log(erlang.note);
  try {
    let specs = [...NODE_SERVERS, ...(erlang.spec === undefined ? [] : [erlang.spec])];
    if (smoke) specs = specs.filter((s) => SMOKE_SERVERS.includes(s.id));
    const chosen = only;
    if (chosen !== undefined) specs = specs.filter((s) => chosen.includes(s.id));
    const date = new Date().toISOString();
    const description = `${machineText()}; Node ${process.version}; Erlang/OTP ${erlang.otp}; Piscina ${piscinaVersion()}`;
    const loadStart = os.loadavg();
    console.log(`fairness${smoke ? ' (smoke)' : ''}: ${specs.length} servers; ${description}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
    const results: Result[] = [];
    for (const spec of specs) {
      console.log(`\n${spec.label}`);
      results.push(await runServer(spec));
    }
    const machine = { date, description, loadStart, loadEnd: os.loadavg() };
    const problems = problemsOf(results);
    const report = fairnessReport(machine, results, problems, erlang.note);
    console.log(`\n${renderText(report)}`);

    const svg = await renderChart(
      points(results),
      results.map((r) => r.spec.label),
      PLAN.timeoutMs,
    );
    const doc = renderMarkdown(report);
    const raw = JSON.stringify({ plan: PLAN, machine, results: results.map(({ spec, ...rest }) => ({ id: spec.id, label: spec.label, ...rest })) }, null, 1);
    if (writeDocs) {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      writeFileSync(DOC, doc);
      writeFileSync(SVG, svg);
      const rawFile = join(os.tmpdir(), 'strand-fairness-last.json');
      writeFileSync(rawFile, raw);
      console.log(`\nwrote ${DOC} and ${SVG} (raw outcomes: ${rawFile})`);
    } else {
      const dir = mkdtempSync(join(os.tmpdir(), 'strand-fairness-'));
      writeFileSync(join(dir, 'fairness.md'), doc);
      writeFileSync(join(dir, 'fairness.svg'), svg);
      writeFileSync(join(dir, 'fairness.json'), raw);
      console.log(`\n${smoke ? 'smoke run' : '--only or --long run'}: docs/ left alone; report written to ${dir}`);
    }
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    if (erlang.dir !== undefined) rmSync(erlang.dir, { recursive: true, force: true });
  }
}

await main();
