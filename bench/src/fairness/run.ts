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
 *   node --import tsx src/fairness/run.ts [--smoke] [--only=strand-la,plain,...]   (--only never writes docs/)
 *
 * Per server: 2 warm-up requests (not counted); 20 idle `10000!` one after
 * another; then 10 `999999999!` held open while `10000!` requests go one
 * after another for 20 s, each with a 5 s timeout; then the long requests'
 * sockets are destroyed and the server is ended by its process group id.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Point, renderChart } from './chart.js';
import { type Outcome, answers, parallelAgent, send, sequentialAgent, sleep } from './client.js';
import { ServerProcess, freePort } from './process.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const writeDocs = !smoke && only === undefined;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = join(ROOT, 'bench');
const FACTORIAL = join(ROOT, 'examples', 'factorial');
const ERLANG_SOURCE = join(BENCH, 'erlang', 'fairness', 'fairness_server.erl');
const DOC = join(ROOT, 'docs', 'fairness.md');
const SVG = join(ROOT, 'docs', 'fairness.svg');

const SHORT_N = 10_000;
const LONG_N = 999_999_999;
const PLAN = smoke
  ? { warmup: 1, idle: 5, long: 10, loadedMs: 3_000, timeoutMs: 2_000, pollEveryMs: 1_000, idleTimeoutMs: 10_000 }
  : { warmup: 2, idle: 20, long: 10, loadedMs: 20_000, timeoutMs: 5_000, pollEveryMs: 5_000, idleTimeoutMs: 10_000 };
/** Bounds every loop: no phase sends more requests than this. */
const MAX_REQUESTS_PER_PHASE = 100_000;
/** A server's process group is killed if it grows past this (Erlang's heap grows by gigabytes with ten long factorials). */
const MAX_RSS_BYTES = 8 * 2 ** 30;
const SMOKE_SERVERS = ['strand-la', 'plain'];

/** The targets the doc states for Strand's latency policy. */
const TARGET = { mustRatio: 2, aimRatio: 1.3 } as const;

interface ServerSpec {
  readonly id: string;
  readonly label: string;
  readonly model: string;
  /** Strand serves /progress: long jobs' progress is observable. */
  readonly strand: boolean;
  start(port: number): ServerProcess;
}

interface Progress {
  readonly pid: unknown;
  readonly n: number;
  readonly done: number;
}

interface Poll {
  /** ms since the short requests started. */
  readonly at: number;
  readonly jobs: readonly Progress[] | undefined;
  readonly failure?: string;
}

interface Result {
  readonly spec: ServerSpec;
  readonly failedToStart?: string;
  readonly ready?: string;
  readonly idle: readonly Outcome[];
  readonly loaded: readonly Outcome[];
  readonly long: readonly Outcome[];
  readonly polls: readonly Poll[];
  /** /progress one second after the long requests' sockets were destroyed. */
  readonly afterPoll?: Poll;
  readonly peakRssBytes: number;
  readonly killedForMemory?: string;
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly stderr: readonly string[];
}

// ---------------------------------------------------------------- servers

const node = (script: string, cwd: string, env: Record<string, string>) => (port: number) =>
  ServerProcess.start({
    command: process.execPath,
    args: ['--import', 'tsx', script],
    cwd,
    env: { ...env, PORT: String(port) },
    ready: script.endsWith('main.ts') ? /^factorial demo on / : /^READY /,
    readyTimeoutMs: 60_000,
    maxRssBytes: MAX_RSS_BYTES,
  });

function erlangSpec(dir: string): ServerSpec {
  return {
    id: 'erlang',
    label: 'Erlang/OTP, +S 2',
    model: 'a process per request (gen_tcp server, process per connection, computing process killed if the client leaves), `erl -noshell +S 2`',
    strand: false,
    start: (port) =>
      ServerProcess.start({
        command: 'erl',
        args: ['-noshell', '+S', '2', '-pa', dir, '-run', 'fairness_server', 'main', String(port)],
        cwd: BENCH,
        env: {},
        ready: /^READY /,
        readyTimeoutMs: 60_000,
        maxRssBytes: MAX_RSS_BYTES,
      }),
  };
}

const NODE_SERVERS: readonly ServerSpec[] = [
  {
    id: 'strand-la',
    label: 'Strand, least-attained',
    model: 'examples/factorial: a process per request, 2 scheduler threads, `POLICY=least-attained` (the default)',
    strand: true,
    start: node('src/main.ts', FACTORIAL, { SCHEDULERS: '2', POLICY: 'least-attained' }),
  },
  {
    id: 'strand-rr',
    label: 'Strand, round-robin',
    model: 'examples/factorial, 2 scheduler threads, `POLICY=round-robin`',
    strand: true,
    start: node('src/main.ts', FACTORIAL, { SCHEDULERS: '2', POLICY: 'round-robin' }),
  },
  {
    id: 'plain',
    label: 'node:http',
    model: 'plain `node:http`, n! computed inline by a BigInt loop (bench/src/fairness/servers/plain.ts)',
    strand: false,
    start: node('src/fairness/servers/plain.ts', BENCH, {}),
  },
  {
    id: 'cluster',
    label: 'node:cluster, 2 workers',
    model: '`node:cluster`, 2 workers with the same handler, round-robin distribution (the PM2 cluster-mode model)',
    strand: false,
    start: node('src/fairness/servers/cluster.ts', BENCH, { WORKERS: '2' }),
  },
  {
    id: 'piscina',
    label: 'Piscina, 2 threads',
    model: '`node:http` + Piscina 5 with 2 threads (FIFO queue; task aborted when its client leaves)',
    strand: false,
    start: node('src/fairness/servers/piscina.ts', BENCH, { THREADS: '2' }),
  },
];

// ---------------------------------------------------------------- one server

async function runServer(spec: ServerSpec): Promise<Result> {
  const loadBefore = os.loadavg()[0]!;
  const port = await freePort();
  const server = spec.start(port);
  const empty = { idle: [], loaded: [], long: [], polls: [] };
  try {
    let ready: string;
    try {
      ready = await server.ready();
    } catch (error) {
      return { spec, failedToStart: String(error instanceof Error ? error.message : error), ...empty, ...tail(server, loadBefore) };
    }
    console.log(`  ${ready}`);
    const idle = await idlePhase(port);
    console.log(`  idle: ${summary(idle)}`);
    const loaded = await loadedPhase(port, spec.strand, () => server.alive);
    console.log(`  loaded: ${summary(loaded.loaded)}${spec.strand ? `; long jobs at the end: ${progressText(lastPoll(loaded.polls))}` : ''}`);
    return { spec, ready, idle, ...loaded, ...tail(server, loadBefore) };
  } finally {
    await server.stop();
  }
}

function tail(server: ServerProcess, loadBefore: number) {
  const stderr = server.output.filter((l) => l.trim() !== '' && !/^(READY |factorial demo on )/.test(l));
  return {
    peakRssBytes: server.peakRssBytes,
    ...(server.killedForMemory === undefined ? {} : { killedForMemory: server.killedForMemory }),
    loadBefore,
    loadAfter: os.loadavg()[0]!,
    stderr,
  };
}

async function idlePhase(port: number): Promise<Outcome[]> {
  const agent = sequentialAgent();
  try {
    const check = answers(SHORT_N);
    for (let i = 0; i < PLAN.warmup; i++) {
      await send({ port, path: `/factorial?n=${SHORT_N}`, agent, timeoutMs: PLAN.idleTimeoutMs, phaseStart: performance.now(), check }).outcome;
    }
    const start = performance.now();
    const outcomes: Outcome[] = [];
    for (let i = 0; i < PLAN.idle; i++) {
      outcomes.push(await send({ port, path: `/factorial?n=${SHORT_N}`, agent, timeoutMs: PLAN.idleTimeoutMs, phaseStart: start, check }).outcome);
    }
    return outcomes;
  } finally {
    agent.destroy();
  }
}

async function loadedPhase(port: number, strand: boolean, alive: () => boolean) {
  const longAgent = parallelAgent();
  const shortAgent = sequentialAgent();
  const pollAgent = parallelAgent();
  try {
    const longStart = performance.now();
    const longs = Array.from({ length: PLAN.long }, () => send({ port, path: `/factorial?n=${LONG_N}`, agent: longAgent, phaseStart: longStart }));
    await Promise.race([Promise.all(longs.map((l) => l.written)), sleep(2_000)]);

    const start = performance.now();
    const poll = async (): Promise<Poll> => {
      const at = performance.now() - start;
      const o = await send({ port, path: '/progress', agent: pollAgent, timeoutMs: PLAN.timeoutMs, phaseStart: start, keepBody: true }).outcome;
      if (o.kind !== 'ok') return { at, jobs: undefined, failure: `${o.kind}${o.status === undefined ? '' : ` ${o.status}`}${o.detail === undefined ? '' : `: ${o.detail}`}` };
      try {
        return { at, jobs: JSON.parse(o.body ?? '') as Progress[] };
      } catch {
        return { at, jobs: undefined, failure: `not JSON: ${(o.body ?? '').slice(0, 80)}` };
      }
    };
    const polls: Poll[] = [];
    let loading = true;
    const polling = (async () => {
      if (!strand) return;
      for (let k = 1; k * PLAN.pollEveryMs < PLAN.loadedMs; k++) {
        while (loading && performance.now() - start < k * PLAN.pollEveryMs) await sleep(Math.min(50, start + k * PLAN.pollEveryMs - performance.now()));
        if (!loading) return;
        polls.push(await poll());
      }
    })();

    const loaded: Outcome[] = [];
    const check = answers(SHORT_N);
    while (performance.now() - start < PLAN.loadedMs && loaded.length < MAX_REQUESTS_PER_PHASE) {
      const outcome = await send({ port, path: `/factorial?n=${SHORT_N}`, agent: shortAgent, timeoutMs: PLAN.timeoutMs, phaseStart: start, check }).outcome;
      loaded.push(outcome);
      if (outcome.kind === 'error' && !alive()) break; // the server died (its exit is in the report): no point hammering its port
    }
    loading = false;
    await polling;
    if (strand) polls.push(await poll());

    for (const l of longs) l.abort();
    const long = await Promise.all(longs.map((l) => l.outcome));
    let afterPoll: Poll | undefined;
    if (strand) {
      await sleep(1_000);
      afterPoll = await poll();
    }
    return { loaded, long, polls, ...(afterPoll === undefined ? {} : { afterPoll }) };
  } finally {
    longAgent.destroy();
    shortAgent.destroy();
    pollAgent.destroy();
  }
}

// ---------------------------------------------------------------- figures

/** Nearest-rank percentile; failures count as slower than any answer (Infinity). */
function percentile(outcomes: readonly Outcome[], p: number): number {
  if (outcomes.length === 0) return Number.NaN;
  const sorted = outcomes.map((o) => (o.kind === 'ok' ? o.ms : Number.POSITIVE_INFINITY)).sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

const count = (outcomes: readonly Outcome[], kind: Outcome['kind']): number => outcomes.filter((o) => o.kind === kind).length;

function ms(value: number, timeoutMs = PLAN.timeoutMs): string {
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

function summary(outcomes: readonly Outcome[]): string {
  const failed = outcomes.length - count(outcomes, 'ok');
  return `${outcomes.length} sent, ${count(outcomes, 'ok')} answered, ${failed} failed (${plural(count(outcomes, 'timeout'), 'timeout')}); p50 ${ms(percentile(outcomes, 50))}, p99 ${ms(percentile(outcomes, 99))}`;
}

const lastPoll = (polls: readonly Poll[]): Poll | undefined => polls[polls.length - 1];
const longJobs = (poll: Poll | undefined): Progress[] => (poll?.jobs ?? []).filter((j) => j.n === LONG_N);

function quantiles(values: readonly number[]): [number, number, number] {
  const s = [...values].sort((a, b) => a - b);
  return [s[0]!, s[(s.length - 1) >> 1]!, s[s.length - 1]!];
}

const k = (n: number): string => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));

function progressText(poll: Poll | undefined): string {
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

function longText(r: Result): string {
  const held = count(r.long, 'held');
  const other = r.long.filter((o) => o.kind !== 'held');
  return `${held} of ${r.long.length} held to the end${other.length === 0 ? '' : `; ${other.map((o) => `${o.kind} after ${ms(o.ms)}${o.detail === undefined ? '' : ` (${o.detail})`}`).join('; ')}`}`;
}

interface Verdict {
  readonly text: string;
  readonly met: boolean;
}

function verdicts(r: Result): Verdict[] {
  const idle99 = percentile(r.idle, 99);
  const loaded99 = percentile(r.loaded, 99);
  const x = loaded99 / idle99;
  const failures = r.idle.length + r.loaded.length - count(r.idle, 'ok') - count(r.loaded, 'ok');
  const adv = advancing(r.polls);
  return [
    { text: `loaded p99 ≤ ${TARGET.mustRatio}× idle p99 (required): ${ratio(r)}`, met: Number.isFinite(x) && x <= TARGET.mustRatio },
    { text: `loaded p99 ≤ ${TARGET.aimRatio}× idle p99 (aim): ${ratio(r)}`, met: Number.isFinite(x) && x <= TARGET.aimRatio },
    { text: `zero failures: ${failures} of ${r.idle.length + r.loaded.length} requests failed`, met: failures === 0 && r.loaded.length > 0 },
    {
      text: `every long job progressing: ${adv === undefined ? 'not observed' : `${adv.advanced} of ${PLAN.long} advanced in the last ${PLAN.pollEveryMs / 1000} s (${adv.listed} listed)`}`,
      met: adv !== undefined && adv.advanced === PLAN.long,
    },
  ];
}

function row(r: Result): string[] {
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

const HEADER = [
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

function textTable(rows: readonly string[][]): string {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------- the doc

interface Machine {
  readonly date: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly otp: string;
  readonly piscina: string;
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
}

function markdown(machine: Machine, results: readonly Result[], problems: readonly string[], erlangNote: string | undefined): string {
  const ran = results.filter((r) => r.failedToStart === undefined);
  const fmtLoad = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(', ');
  const strand = ran.filter((r) => r.spec.strand);
  const out: string[] = [];
  out.push(
    '# Fairness: `10000!` while ten `999999999!` are in flight',
    '',
    `Generated by \`npm run bench:fairness\` (bench/src/fairness/run.ts); re-running it rewrites this file and [fairness.svg](fairness.svg).`,
    '',
    `- **Date:** ${machine.date}`,
    `- **Machine:** ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM; Node ${machine.node}; Erlang/OTP ${machine.otp}; Piscina ${machine.piscina}`,
    `- **Load average (1, 5, 15 min):** ${fmtLoad(machine.loadStart)} at the start, ${fmtLoad(machine.loadEnd)} at the end. The machine is shared: other test suites ran at the same time, so absolute figures are noisy (±30% between runs); compare the ratios within this run.`,
    '- **Command:** `npm run bench:fairness` from the repository root (`turbo run build --filter=@strand/example-factorial... && npm run bench:fairness --workspace=@strand/bench`, which runs `node --import tsx src/fairness/run.ts` in bench/)',
    '',
    '## Results',
    '',
    markdownTable(HEADER, results.map(row)),
    '',
    `Latencies are of one \`10000!\` request, from sending it to the last byte of the answer. Idle: ${PLAN.idle} requests one after another. Loaded: requests one after another for ${PLAN.loadedMs / 1000} s while ${PLAN.long} \`999999999!\` requests are held open, each with a ${PLAN.timeoutMs / 1000} s timeout; a failure (timeout or error) counts as slower than any answer in the percentiles, so "> ${PLAN.timeoutMs / 1000} s" means at least that share of requests failed. With ${PLAN.idle} idle requests, idle p99 is the slowest of them. Long-job progress is read from Strand's \`GET /progress\` at the end of the loaded phase (multiplications done by each \`999999999!\`, reported every 1,000); the peers cannot show it ("–").`,
    '',
    '![10000! latency per server, idle and loaded (log scale)](fairness.svg)',
    '',
  );
  if (erlangNote !== undefined) out.push(`${erlangNote}`, '');

  out.push('## Targets (Strand, least-attained policy)', '');
  for (const r of strand) {
    out.push(`**${r.spec.label}**${r.spec.id === 'strand-la' ? '' : ' (for reference: the targets are set for the least-attained policy)'}:`, '');
    for (const v of verdicts(r)) out.push(`- ${v.met ? 'met' : 'NOT met'}: ${v.text}`);
    out.push('');
  }
  if (strand.length === 0) out.push('Strand did not run.', '');

  out.push('## Per server', '');
  for (const r of results) {
    out.push(`### ${r.spec.label}`, '', `${r.spec.model}.`, '');
    if (r.failedToStart !== undefined) {
      out.push('Failed to start:', '', '```', r.failedToStart, '```', '');
      continue;
    }
    const lines = [
      `idle: ${summary(r.idle)}`,
      `loaded: ${summary(r.loaded)}; p90 ${ms(percentile(r.loaded, 90))}, slowest answer ${count(r.loaded, 'ok') === 0 ? '–' : ms(Math.max(...r.loaded.filter((o) => o.kind === 'ok').map((o) => o.ms)))}`,
      `loaded, after the first 2 s: ${summary(r.loaded.filter((o) => o.at >= 2_000))}`,
      `long requests: ${longText(r)}`,
      `load average (1 min) before / after: ${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)}; peak RSS of the server's processes ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB${r.killedForMemory === undefined ? '' : `; ${r.killedForMemory}`}`,
    ];
    const errors = [...r.idle, ...r.loaded].filter((o) => o.kind === 'error');
    if (errors.length > 0) lines.push(`errors: ${[...new Set(errors.map((o) => `${o.status ?? ''} ${o.detail ?? ''}`.trim()))].slice(0, 5).join('; ')}`);
    if (r.spec.strand) {
      lines.push(`/progress during the loaded phase (long jobs listed; multiplications min / median / max): ${r.polls.map((p) => `${(p.at / 1000).toFixed(1)} s: ${progressText(p)}`).join(' → ')}`);
      const after = r.afterPoll;
      lines.push(`/progress 1 s after the long requests' sockets were destroyed: ${after?.jobs === undefined ? `failed (${after?.failure ?? 'not read'})` : `${after.jobs.length} jobs listed`}`);
    }
    if (r.stderr.length > 0) lines.push(`server output (${r.stderr.length} lines), first: \`${r.stderr.slice(0, 3).join(' ⏎ ').slice(0, 300)}\``);
    out.push(...lines.map((l) => `- ${l}`), '');
  }
  if (problems.length > 0) out.push('## Problems in this run', '', ...problems.map((p) => `- ${p}`), '');

  out.push(
    '## Method',
    '',
    '- Every server runs as a child process of the benchmark, in a process group of its own, bound to 127.0.0.1 on a free port, one server at a time; when its run ends its group is sent SIGTERM, then SIGKILL, and the next server starts only once every process of the group is gone.',
    `- One client for all (bench/src/fairness/client.ts): \`node:http\` requests, a fresh agent per phase (keep-alive with one socket for requests sent one after another, a connection per request for the long ones), exactly one outcome recorded per request (answered / timeout / error) and every request counted. A request counts as answered only with status 200 and a JSON body naming the right \`n\`.`,
    `- Per server: ${plural(PLAN.warmup, 'warm-up request')} for \`10000!\` (not counted), then ${PLAN.idle} idle \`10000!\` requests one after another; then ${PLAN.long} \`999999999!\` requests are sent at once and held open; as soon as they are written, \`10000!\` requests go one after another for ${PLAN.loadedMs / 1000} s, each with a ${PLAN.timeoutMs / 1000} s timeout (a timed-out request's socket is destroyed and the next request starts). At the end the long requests' sockets are destroyed: Strand, Piscina and Erlang stop the work of a request whose client left; plain \`node:http\` and \`node:cluster\` cannot, and are killed.`,
    `- For Strand, \`GET /progress\` is read every ${PLAN.pollEveryMs / 1000} s during the loaded phase and at its end (on its own connection, concurrently with the short requests), and once more 1 s after the long requests were dropped.`,
    '- All servers answer `GET /factorial?n=N` the same way: n! by multiplying a BigInt (an Erlang integer) by 2, 3, …, n, then JSON `{n, bits, digits}` (decimal digits counted exactly below 200,000 bits). In Strand the loop yields after every multiplication (examples/factorial/src/app.ts); the Node peers run it in one synchronous loop (bench/src/fairness/servers/factorial.ts); Erlang computes it in a process per request (bench/erlang/fairness/fairness_server.erl, compiled with `erlc` at run time), which BEAM preempts every 4,000 reductions.',
    '- Servers: ' + results.map((r) => `${r.spec.label}: ${r.spec.model}`).join('; ') + '.',
    `- Memory guard: a server whose processes together pass ${MAX_RSS_BYTES / 2 ** 30} GiB resident is killed (noted in its row).`,
    '- Percentiles are nearest-rank over every request of the phase, failures counted as slower than any answer.',
    '',
    '## Analysis',
    '',
    '<!-- analysis -->',
    '',
  );
  return out.join('\n');
}

// ---------------------------------------------------------------- main

function erlangSetUp(): { spec?: ServerSpec; dir?: string; otp: string; note?: string } {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
  if (!has('erl')) return { otp: 'not installed', note: 'Erlang: skipped (apt-get install erlang-base erlang-inets)' };
  const otp = spawnSync(
    'erl',
    ['-noshell', '-eval', 'R = erlang:system_info(otp_release), F = filename:join([code:root_dir(), "releases", R, "OTP_VERSION"]), V = case file:read_file(F) of {ok, B} -> string:trim(binary_to_list(B)); _ -> R end, io:format("~s (ERTS ~s)~n", [V, erlang:system_info(version)]), halt().'],
    { encoding: 'utf8', timeout: 60_000 },
  ).stdout.trim();
  const dir = mkdtempSync(join(os.tmpdir(), 'strand-fairness-erl-'));
  const compiled = has('erlc')
    ? spawnSync('erlc', ['-o', dir, ERLANG_SOURCE], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync('erl', ['-noshell', '-eval', `case compile:file(${JSON.stringify(ERLANG_SOURCE)}, [{outdir, ${JSON.stringify(dir)}}, report]) of {ok, _} -> halt(0); _ -> halt(1) end.`], { encoding: 'utf8', timeout: 120_000 });
  if (compiled.status !== 0) throw new Error(`compiling ${ERLANG_SOURCE} failed:\n${compiled.stdout}${compiled.stderr}`);
  return { spec: erlangSpec(dir), dir, otp };
}

function piscinaVersion(): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('piscina'));
    while (!existsSync(join(dir, 'package.json')) || !/"name":\s*"piscina"/.test(readFileSync(join(dir, 'package.json'), 'utf8'))) {
      if (dirname(dir) === dir) return '?';
      dir = dirname(dir);
    }
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
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
    if (only !== undefined) specs = specs.filter((s) => only.includes(s.id));
    const machine = {
      date: new Date().toISOString(),
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? '?',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      otp: erlang.otp,
      piscina: piscinaVersion(),
      loadStart: os.loadavg(),
    };
    console.log(
      `fairness${smoke ? ' (smoke)' : ''}: ${specs.length} servers; ${machine.cpus} CPUs, Node ${machine.node}, Erlang/OTP ${machine.otp}; load average ${machine.loadStart.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const results: Result[] = [];
    for (const spec of specs) {
      console.log(`\n${spec.label}`);
      results.push(await runServer(spec));
    }
    const done = { ...machine, loadEnd: os.loadavg() };

    const problems: string[] = [];
    for (const r of results) {
      if (r.failedToStart !== undefined) problems.push(`${r.spec.label} failed to start: ${r.failedToStart.split('\n')[0]}`);
      else if (count(r.idle, 'ok') !== r.idle.length) problems.push(`${r.spec.label}: ${r.idle.length - count(r.idle, 'ok')} idle requests failed`);
      if (r.spec.strand && r.failedToStart === undefined && lastPoll(r.polls)?.jobs === undefined) problems.push(`${r.spec.label}: /progress could not be read (${lastPoll(r.polls)?.failure ?? 'no poll'})`);
      if (r.killedForMemory !== undefined) problems.push(`${r.spec.label}: ${r.killedForMemory}`);
    }

    console.log(`\n${textTable(results.map(row))}\n`);
    for (const r of results.filter((x) => x.spec.strand && x.failedToStart === undefined)) {
      console.log(`${r.spec.label}:`);
      for (const v of verdicts(r)) console.log(`  ${v.met ? 'met    ' : 'NOT met'} ${v.text}`);
    }
    for (const p of problems) console.log(`problem: ${p}`);

    const points: Point[] = results.flatMap((r) =>
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
    const svg = await renderChart(
      points,
      results.map((r) => r.spec.label),
      PLAN.timeoutMs,
    );
    const doc = markdown(done, results, problems, erlang.note);
    const raw = JSON.stringify({ plan: PLAN, machine: done, results: results.map(({ spec, ...rest }) => ({ id: spec.id, label: spec.label, ...rest })) }, null, 1);
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
      console.log(`\n${smoke ? 'smoke run' : '--only run'}: docs/ left alone; report written to ${dir}`);
    }
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    if (erlang.dir !== undefined) rmSync(erlang.dir, { recursive: true, force: true });
  }
}

await main();
