/**
 * HTTP benchmark: `@strand/http` (a process per request, 2 worker
 * schedulers) against a plain `node:http` server, both as child processes on
 * 127.0.0.1, measured in the same run.
 *
 *   npm run bench:http                        full run (about 3 minutes), writes docs/http.md
 *   npm run bench:http -- --smoke             a few seconds, writes nothing, exits 1 if the benchmark is broken
 *   npm run bench:http -- --cpu-prof[=DIR]    also profiles the servers (node --cpu-prof) into DIR
 *                                             (default $TMPDIR/strand-http-profiles), writes no doc;
 *                                             src/http/profile-summary.ts summarises the profiles
 *   ... --out=FILE                            writes the report to FILE instead (any mode)
 *   ... --rounds=N                            rounds of the unloaded case (full run: 3, smoke: 1)
 *
 * 1. Trivial handler (`200 ok`): requests/s and latency under autocannon
 *    (50 connections) and under this package's exact client (src/http/exact-client.ts),
 *    which records one outcome per request, so that `sent = answered + errors + timeouts`
 *    can be checked; autocannon does not count requests lost with a closed connection.
 * 2. Under CPU load: 10 requests for `999999999!` are sent to each server first
 *    (Strand computes them in processes that yield at every multiply; the plain
 *    server computes them in its request handler, as a naive server would, and
 *    blocks), then the trivial request is measured with the exact client, 5 s
 *    timeout per request.
 *
 * The machine is shared: rounds alternate which server goes first and the
 * summary takes the median of the rounds; the load average is recorded.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ExactResult, quantile, quantileOfSent, runExact } from './exact-client.js';
import { type ServerProcess, cpuTimeMs, startServer, withCpu } from './servers.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const profileArg = argv.find((a) => a === '--cpu-prof' || a.startsWith('--cpu-prof='));
const profileDir =
  profileArg === undefined
    ? undefined
    : profileArg.includes('=')
      ? profileArg.slice('--cpu-prof='.length)
      : join(os.tmpdir(), 'strand-http-profiles');
const outArg = argv.find((a) => a.startsWith('--out='));
const DOC = outArg !== undefined ? outArg.slice('--out='.length) : fileURLToPath(new URL('../../../docs/http.md', import.meta.url));
/** The full run writes docs/http.md; a smoke or profiled run writes only where `--out=FILE` says. */
const writeDoc = outArg !== undefined || (!smoke && profileDir === undefined);

const PLAN = smoke
  ? {
      schedulers: 2,
      connections: 50,
      rounds: 1,
      warmupS: 0.5,
      autocannonS: 1,
      exactMs: 1_000,
      timeoutMs: 1_000,
      cpuJobs: 10,
      cpuN: 999_999_999,
      cpuSettleMs: 500,
      cpuExactMs: 1_000,
      cpuTimeoutMs: 1_000,
    }
  : {
      schedulers: 2,
      connections: 50,
      rounds: 3,
      warmupS: 2,
      autocannonS: 10,
      exactMs: 10_000,
      timeoutMs: 5_000,
      cpuJobs: 10,
      cpuN: 999_999_999,
      cpuSettleMs: 3_000,
      cpuExactMs: 10_000,
      cpuTimeoutMs: 5_000,
    };
const roundsArg = argv.find((a) => a.startsWith('--rounds='));
if (roundsArg !== undefined) PLAN.rounds = Math.max(1, Number(roundsArg.slice('--rounds='.length)) || 1);
/** Strand's throughput on the trivial handler, as a fraction of plain node's. */
const TARGET_RATIO = 0.6;

type ServerKind = 'strand' | 'node';
const LABEL: Record<ServerKind, string> = { strand: `Strand (${PLAN.schedulers} schedulers)`, node: 'plain node:http' };

const nodeArgs = (name: string): string[] =>
  profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${name}`];

function start(kind: ServerKind, mode: 'ok' | 'mixed'): Promise<ServerProcess> {
  return kind === 'strand'
    ? startServer(`strand-${mode}`, 'src/http/strand-server.ts', [mode, String(PLAN.schedulers)], nodeArgs(`strand-${mode}`))
    : startServer(`node-${mode}`, 'src/http/node-server.ts', [], nodeArgs(`node-${mode}`));
}

const loadavg = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

// ---------------------------------------------------------------- measurements

interface CannonRun {
  readonly round: number;
  readonly server: ServerKind;
  readonly rps: number;
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly resets: number;
  readonly sent: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly cpu: number | undefined;
  /** Server CPU time per completed request, µs. */
  readonly cpuPerRequestUs: number | undefined;
  readonly load: string;
}

interface ExactRun {
  readonly round: number;
  readonly server: ServerKind;
  readonly result: ExactResult;
  readonly cpu: number | undefined;
  /** Server CPU time per answered request, µs. */
  readonly cpuPerRequestUs: number | undefined;
  readonly load: string;
}

const perRequestUs = (cpuMs: number | undefined, requests: number): number | undefined =>
  cpuMs === undefined || requests === 0 ? undefined : (cpuMs * 1000) / requests;

async function cannon(server: ServerProcess, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: server.url, connections: PLAN.connections, duration: seconds, pipelining: 1, timeout: 10 });
}

async function measureCannon(round: number, kind: ServerKind, server: ServerProcess): Promise<CannonRun> {
  const load = loadavg();
  const { result: r, cpuMs, cpuPercent } = await withCpu(server.pid, () => cannon(server, PLAN.autocannonS));
  const run: CannonRun = {
    round,
    server: kind,
    rps: r.requests.average,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    resets: (r as { resets?: number }).resets ?? 0,
    sent: r.requests.sent,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    cpu: cpuPercent,
    cpuPerRequestUs: perRequestUs(cpuMs, r['2xx'] + r.non2xx),
    load,
  };
  log(
    `  autocannon ${LABEL[kind]}: ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ` +
      `2xx ${run.ok2xx}, non-2xx ${run.non2xx}, errors ${run.errors}, timeouts ${run.timeouts}, sent ${run.sent}; ` +
      `server CPU ${pct(run.cpu)}, ${us(run.cpuPerRequestUs)} µs/request`,
  );
  return run;
}

async function measureExact(round: number, kind: ServerKind, server: ServerProcess, durationMs: number, timeoutMs: number): Promise<ExactRun> {
  const load = loadavg();
  const { result, cpuMs, cpuPercent } = await withCpu(server.pid, () =>
    runExact({ url: server.url, connections: PLAN.connections, durationMs, timeoutMs }),
  );
  log(`  exact      ${LABEL[kind]}: ${exactLine(result)}`);
  return { round, server: kind, result, cpu: cpuPercent, cpuPerRequestUs: perRequestUs(cpuMs, result.answered), load };
}

function exactLine(r: ExactResult): string {
  return (
    `sent ${r.sent} = answered ${r.answered} + errors ${r.errors} + timeouts ${r.timeouts}` +
    `${balanced(r) ? '' : ' ✗ MISMATCH'}; ${fmt(rate(r))} answers/s, ` +
    `p50 ${ms(quantileOfSent(r, 0.5))}, p99 ${ms(quantileOfSent(r, 0.99))} ms` +
    `${Object.keys(r.errorCodes).length > 0 ? `; errors: ${JSON.stringify(r.errorCodes)}` : ''}`
  );
}

const balanced = (r: ExactResult): boolean => r.sent === r.answered + r.errors + r.timeouts && r.doubleOutcomes === 0;
/** 200s per second of the sending window. */
const rate = (r: ExactResult): number => ((r.statuses[200] ?? 0) * 1000) / r.durationMs;

interface CpuLoadRun {
  readonly server: ServerKind;
  readonly exact: ExactRun;
  /** Server CPU while the jobs ran alone, before the measurement (% of one core). */
  readonly cpuBefore: number | undefined;
  /** What each factorial request had come to when the measurement ended. */
  readonly jobs: Readonly<Record<string, number>>;
  readonly ended: string;
}

async function measureUnderCpuLoad(kind: ServerKind, server: ServerProcess): Promise<CpuLoadRun> {
  log(`${LABEL[kind]} (pid ${server.pid}, port ${server.port}), under CPU load:`);
  try {
    await cannon(server, PLAN.warmupS); // the same warm-up as the unloaded case
    const jobs = new Map<number, string>();
    const requests: ClientRequest[] = [];
    for (let i = 0; i < PLAN.cpuJobs; i++) {
      jobs.set(i, 'in flight');
      // One connection each (agent: false): they never share a socket with the measured requests.
      const req = request({ host: '127.0.0.1', port: server.port, path: `/factorial?n=${PLAN.cpuN}`, agent: false }, (res) => {
        jobs.set(i, `answered ${res.statusCode}`);
        res.resume();
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (jobs.get(i) === 'in flight') jobs.set(i, `error ${error.code ?? error.message}`);
      });
      req.end();
      requests.push(req);
    }
    const cpu0 = cpuTimeMs(server.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, PLAN.cpuSettleMs));
    const cpu1 = cpuTimeMs(server.pid);
    const cpuBefore = cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) / (performance.now() - t0)) * 100;
    log(`  ${PLAN.cpuJobs} × ${PLAN.cpuN}! sent; server CPU over the next ${PLAN.cpuSettleMs} ms: ${pct(cpuBefore)}`);
    const exact = await measureExact(0, kind, server, PLAN.cpuExactMs, PLAN.cpuTimeoutMs);
    const counts: Record<string, number> = {};
    for (const state of jobs.values()) counts[state] = (counts[state] ?? 0) + 1;
    for (const req of requests) req.destroy();
    return { server: kind, exact, cpuBefore, jobs: counts, ended: await server.kill() };
  } finally {
    await server.kill();
  }
}

// ---------------------------------------------------------------- formatting

function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}

function ms(n: number): string {
  if (Number.isNaN(n)) return '–';
  if (!Number.isFinite(n)) return 'timeout';
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US');
}

function us(n: number | undefined): string {
  return n === undefined ? 'n/a' : fmt(n);
}

function pct(n: number | undefined): string {
  return n === undefined ? 'n/a' : `${Math.round(n)} %`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  return [
    `| ${head.join(' | ')} |`,
    `|${a.map((x) => (x === 'l' ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function statusesText(r: ExactResult): string {
  const other = Object.entries(r.statuses).filter(([s]) => s !== '200');
  return other.length === 0 ? '0' : other.map(([s, n]) => `${n} × ${s}`).join(', ');
}

function errorsText(r: ExactResult): string {
  const entries = Object.entries(r.errorCodes);
  return entries.length === 0 ? '0' : entries.map(([c, n]) => `${n} × ${c}`).join(', ');
}

function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (availableParallelism), ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`;
}

function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    return `${head}${dirty ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------- the run

const started = new Date();
const loadAtStart = loadavg();
const t0 = performance.now();
log(`HTTP benchmark${smoke ? ' (smoke)' : ''}: ${machine()}; load average ${loadAtStart}`);
if (profileDir !== undefined) {
  mkdirSync(profileDir, { recursive: true });
  log(`profiling the servers into ${profileDir}/<server>/`);
}

const cannonRuns: CannonRun[] = [];
const exactRuns: ExactRun[] = [];
const cpuRuns: CpuLoadRun[] = [];
const stderrs: Record<string, string> = {};
const endings: Record<string, string> = {};
// All four servers start at once (an idle server uses no CPU): Strand's threads take seconds to load.
const startT = performance.now();
const started4 = await Promise.allSettled([start('strand', 'ok'), start('node', 'ok'), start('strand', 'mixed'), start('node', 'mixed')]);
const live = started4.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
async function endAll(): Promise<void> {
  for (const server of live) {
    endings[server.name] ??= await server.kill();
    stderrs[server.name] = server.stderr();
  }
}
process.once('SIGINT', () => void endAll().then(() => process.exit(130)));
try {
  const failed = started4.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  const [strandOk, nodeOk, strandMixed, nodeMixed] = live as [ServerProcess, ServerProcess, ServerProcess, ServerProcess];
  log(`servers started in ${Math.round(performance.now() - startT)} ms`);
  const servers: Record<ServerKind, ServerProcess> = { strand: strandOk, node: nodeOk };
  for (const kind of ['strand', 'node'] as const) {
    log(`${LABEL[kind]}: pid ${servers[kind].pid}, port ${servers[kind].port}; warm-up ${PLAN.warmupS} s`);
    await cannon(servers[kind], PLAN.warmupS);
  }
  for (let round = 1; round <= PLAN.rounds; round++) {
    const order: ServerKind[] = round % 2 === 1 ? ['strand', 'node'] : ['node', 'strand'];
    log(`round ${round}/${PLAN.rounds} (load average ${loadavg()})`);
    for (const kind of order) cannonRuns.push(await measureCannon(round, kind, servers[kind]));
    for (const kind of order) exactRuns.push(await measureExact(round, kind, servers[kind], PLAN.exactMs, PLAN.timeoutMs));
  }
  for (const server of [strandOk, nodeOk]) endings[server.name] = await server.kill();
  for (const [kind, server] of [['strand', strandMixed], ['node', nodeMixed]] as const) {
    const run = await measureUnderCpuLoad(kind, server);
    cpuRuns.push(run);
    endings[server.name] = run.ended;
  }
} finally {
  await endAll();
}
const wallS = (performance.now() - t0) / 1000;
const loadAtEnd = loadavg();

// ---------------------------------------------------------------- report

const by = <T extends { server: ServerKind }>(runs: readonly T[], kind: ServerKind): T[] => runs.filter((r) => r.server === kind);
const cannonMedian = (kind: ServerKind, f: (r: CannonRun) => number): number => median(by(cannonRuns, kind).map(f));
const exactMedian = (kind: ServerKind, f: (r: ExactResult) => number): number => median(by(exactRuns, kind).map((r) => f(r.result)));
const cannonRatio = cannonMedian('strand', (r) => r.rps) / cannonMedian('node', (r) => r.rps);
const exactRatio = exactMedian('strand', rate) / exactMedian('node', rate);
const verdict = (ratio: number): string =>
  ratio >= TARGET_RATIO ? `✅ met (${ratio.toFixed(2)}×)` : `❌ missed (${ratio.toFixed(2)}× vs ≥ ${TARGET_RATIO}×)`;
const allBalanced = [...exactRuns, ...cpuRuns.map((r) => r.exact)].every((r) => balanced(r.result));

const summary = table(
  ['', LABEL.strand, LABEL.node, 'Strand / plain', 'Target'],
  [
    ['requests/s, autocannon', fmt(cannonMedian('strand', (r) => r.rps)), fmt(cannonMedian('node', (r) => r.rps)), `${cannonRatio.toFixed(2)}×`, `≥ ${TARGET_RATIO}×: ${verdict(cannonRatio)}`],
    ['requests/s (200s), exact client', fmt(exactMedian('strand', rate)), fmt(exactMedian('node', rate)), `${exactRatio.toFixed(2)}×`, `≥ ${TARGET_RATIO}×: ${verdict(exactRatio)}`],
    [
      'server CPU per request (µs), autocannon',
      us(cannonMedian('strand', (r) => r.cpuPerRequestUs ?? Number.NaN)),
      us(cannonMedian('node', (r) => r.cpuPerRequestUs ?? Number.NaN)),
      `${(cannonMedian('strand', (r) => r.cpuPerRequestUs ?? Number.NaN) / cannonMedian('node', (r) => r.cpuPerRequestUs ?? Number.NaN)).toFixed(2)}×`,
      '',
    ],
    [
      'server CPU per request (µs), exact client',
      us(median(by(exactRuns, 'strand').map((r) => r.cpuPerRequestUs ?? Number.NaN))),
      us(median(by(exactRuns, 'node').map((r) => r.cpuPerRequestUs ?? Number.NaN))),
      `${(median(by(exactRuns, 'strand').map((r) => r.cpuPerRequestUs ?? Number.NaN)) / median(by(exactRuns, 'node').map((r) => r.cpuPerRequestUs ?? Number.NaN))).toFixed(2)}×`,
      '',
    ],
    ['p50 ms, autocannon', ms(cannonMedian('strand', (r) => r.p50)), ms(cannonMedian('node', (r) => r.p50)), '', ''],
    ['p99 ms, autocannon', ms(cannonMedian('strand', (r) => r.p99)), ms(cannonMedian('node', (r) => r.p99)), '', ''],
    ['p50 ms, exact client', ms(exactMedian('strand', (r) => quantileOfSent(r, 0.5))), ms(exactMedian('node', (r) => quantileOfSent(r, 0.5))), '', ''],
    ['p99 ms, exact client', ms(exactMedian('strand', (r) => quantileOfSent(r, 0.99))), ms(exactMedian('node', (r) => quantileOfSent(r, 0.99))), '', ''],
    ...cpuRuns.length === 2
      ? [
          [
            `p99 ms under CPU load (${PLAN.cpuJobs} × ${PLAN.cpuN}!), exact client`,
            ms(quantileOfSent(cpuRuns[0]!.exact.result, 0.99)),
            ms(quantileOfSent(cpuRuns[1]!.exact.result, 0.99)),
            '',
            '',
          ],
          [
            'answered / sent under CPU load',
            `${fmt(cpuRuns[0]!.exact.result.answered)} / ${fmt(cpuRuns[0]!.exact.result.sent)}`,
            `${fmt(cpuRuns[1]!.exact.result.answered)} / ${fmt(cpuRuns[1]!.exact.result.sent)}`,
            '',
            '',
          ],
        ]
      : [],
  ],
);

const cannonTable = table(
  ['Round', 'Server', 'req/s (mean)', '2xx', 'non-2xx', 'errors', 'of which timeouts', 'resets', 'sent', 'sent − 2xx − non-2xx − errors', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'server CPU µs/request', 'load avg (1/5/15)'],
  cannonRuns.map((r) => [
    String(r.round),
    LABEL[r.server],
    fmt(r.rps),
    fmt(r.ok2xx),
    fmt(r.non2xx),
    fmt(r.errors),
    fmt(r.timeouts),
    fmt(r.resets),
    fmt(r.sent),
    fmt(r.sent - r.ok2xx - r.non2xx - r.errors),
    ms(r.p50),
    ms(r.p99),
    ms(r.max),
    pct(r.cpu),
    us(r.cpuPerRequestUs),
    r.load,
  ]),
);

function exactRow(label: string, run: ExactRun, perRequest = true): string[] {
  const r = run.result;
  return [
    label,
    LABEL[run.server],
    fmt(r.sent),
    fmt(r.statuses[200] ?? 0),
    statusesText(r),
    errorsText(r),
    fmt(r.timeouts),
    balanced(r) ? '✅' : `❌ (${r.sent} ≠ ${r.answered + r.errors + r.timeouts}, ${r.doubleOutcomes} double)`,
    fmt(rate(r)),
    ms(quantileOfSent(r, 0.5)),
    ms(quantileOfSent(r, 0.9)),
    ms(quantileOfSent(r, 0.99)),
    ms(quantile(r.latenciesMs, 0.99)),
    ms(r.latenciesMs.length === 0 ? Number.NaN : r.latenciesMs[r.latenciesMs.length - 1]!),
    pct(run.cpu),
    // Under CPU load the server's CPU is mostly the factorials': per request it would mean nothing.
    perRequest ? us(run.cpuPerRequestUs) : '–',
    run.load,
  ];
}

const EXACT_HEAD = ['sent', '200', 'other status', 'errors', 'timeouts', 'sent = answered + errors + timeouts', '200s/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99 ms (answered only)', 'max ms (answered)', 'server CPU', 'server CPU µs/answer'];
const exactTable = table(['Round', 'Server', ...EXACT_HEAD, 'load avg (1/5/15)'], exactRuns.map((r) => exactRow(String(r.round), r)));
const cpuTable = table(
  ['Case', 'Server', ...EXACT_HEAD, `server CPU with the ${PLAN.cpuJobs} jobs alone`, `the ${PLAN.cpuJobs} factorial requests at the end`, 'load avg (1/5/15)'],
  cpuRuns.map((r) => {
    const row = exactRow(`${PLAN.cpuJobs} × ${PLAN.cpuN}!`, r.exact, false);
    const load = row.pop()!;
    return [...row, pct(r.cpuBefore), Object.entries(r.jobs).map(([s, n]) => `${n} ${s}`).join(', '), load];
  }),
);

const serverLog = Object.entries(stderrs)
  .map(([name, text]) => `- \`${name}\`: ended by ${endings[name]}; stderr: ${text.trim() === '' ? 'empty' : `\n\n\`\`\`\n${text.trim().slice(0, 4000)}\n\`\`\`\n`}`)
  .join('\n');

log('');
log(summary);
log('');
log(cannonTable);
log('');
log(exactTable);
log('');
log(cpuTable);
log('');
log(serverLog);
log(`\nwall time ${wallS.toFixed(0)} s; load average ${loadAtStart} at start, ${loadAtEnd} at end`);

if (writeDoc) {
  const doc = `# HTTP benchmark: \`@strand/http\` vs plain \`node:http\`

- **Date:** ${started.toISOString()}
- **Machine:** ${machine()}
- **Node:** ${process.version} (V8 ${process.versions.v8})
- **Command:** \`${command()}\` (from the repository root; runs \`bench/src/http/run.ts\`)
- **Strand revision:** \`${revision()}\`
- **Wall time of the run:** ${wallS.toFixed(0)} s
- **Load average (1/5/15 min):** ${loadAtStart} at start, ${loadAtEnd} at end (${os.availableParallelism()} CPUs); each row below gives it at the start of its measurement

The machine is shared and noisy, and small: the client, the Strand server's
main thread and its ${PLAN.schedulers} scheduler threads all share ${os.availableParallelism()} CPUs with whatever else runs. Read
the ratios, from runs interleaved in this same run, more than the absolute figures.

## Summary

Medians of ${PLAN.rounds} round${PLAN.rounds === 1 ? '' : 's'} (the order of the two servers alternates from round to round).

${summary}

## 1. Trivial handler, autocannon

${PLAN.connections} connections, ${PLAN.autocannonS} s per server per round, no pipelining, autocannon ${autocannonVersion()} through its programmatic API, in the runner's process. Latencies at autocannon's resolution (1 ms), 2xx only.
autocannon counts \`sent\` when it writes a request and \`errors\` per connection
error; a request lost with a connection the server closed is in neither 2xx,
non-2xx nor errors, and the requests still in flight when the duration ends
are not either: the \`sent − 2xx − non-2xx − errors\` column is at least the
${PLAN.connections} requests in flight at the end, and cannot tell them from lost ones.

${cannonTable}

## 2. Trivial handler, exact client

The same ${PLAN.connections} connections, ${PLAN.exactMs / 1000} s of sending per server per round, ${PLAN.timeoutMs / 1000} s timeout per request.
Each request ends in exactly one outcome (see Method); \`sent = answered + errors + timeouts\` is checked for every run.
Percentiles are over every request sent, an unanswered one counting as slower than any answer ("timeout").

${exactTable}

## 3. Trivial requests under CPU load

Fresh servers. ${PLAN.cpuJobs} requests \`GET /factorial?n=${PLAN.cpuN}\` are sent first, one connection each, and kept open;
${PLAN.cpuSettleMs / 1000} s later the exact client measures \`GET /\` for ${PLAN.cpuExactMs / 1000} s with ${PLAN.connections} connections and a ${PLAN.cpuTimeoutMs / 1000} s timeout per request.
Strand computes each factorial in its own process, yielding at every multiply; the plain server computes it
in its request handler, as a naive server would, so its event loop is blocked by the first one.

${cpuTable}

## Servers

${serverLog}

## Method

- **Servers.** Child processes started by the runner from \`bench/\` with \`node --import tsx\`, listening on
  127.0.0.1 on a free port (port 0; each prints its port), ended by pid at the end (SIGTERM, then SIGKILL
  after 3 s). Strand: \`bench/src/http/strand-server.ts\`, \`Strand.start({ schedulers: ${PLAN.schedulers}, preload })\` from
  \`@strand/pool\` and \`serve({ runtime, handler })\` from \`@strand/http\` with the handler
  \`function* () { return { status: 200, body: 'ok' }; }\` (\`bench/src/http/handlers.ts\`): every request is
  a process spawned on a worker scheduler, monitored by the gateway on the main thread, its response sent back
  as a message. Plain: \`bench/src/http/node-server.ts\`, \`createServer((req, res) => res.writeHead(200).end('ok'))\`.
- **Warm-up.** ${PLAN.warmupS} s of autocannon on each server before it is measured (not recorded).
- **Exact client** (\`bench/src/http/exact-client.ts\`). ${PLAN.connections} loops, each with its own
  \`http.Agent({ keepAlive: true, maxSockets: 1 })\`, send \`GET /\` one after the other until the duration
  has passed; nothing is sent after it, and the requests then in flight still get their outcome. An
  outcome is a status (the body read to its end), an error (request or response error, or the response
  closed before its end; the code is kept), or a timeout (no complete response in time: the request is
  destroyed, closing its connection). Latencies are \`performance.now()\` from \`http.request\` to the
  response's end, kept one by one (exact percentiles, nearest rank). \`200s/s\` = 200 responses / sending window.
- **Server CPU.** utime + stime of the server process (all its threads) from \`/proc/<pid>/stat\`
  over the measurement, as a percentage of one core, and divided by the requests answered (µs/request):
  on a machine this loaded, throughput follows the share of CPU each server gets, and CPU per request is
  the steadier measure of what a request costs (it still grows with contention: caches, context switches).
- **Target.** Strand ≥ ${TARGET_RATIO}× plain node's requests/s on the trivial handler.

## Analysis

<!-- analysis -->
`;
  writeFileSync(DOC, doc);
  log(`wrote ${DOC}`);
}

function command(): string {
  const extra = argv.filter((a) => !a.startsWith('--out='));
  return extra.length === 0 ? 'npm run bench:http' : `npm run bench:http -- ${extra.join(' ')}`;
}

function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- checks (what the smoke run guards)

const problems: string[] = [];
if (!allBalanced) problems.push('the exact client lost track of a request (sent ≠ answered + errors + timeouts)');
for (const kind of ['strand', 'node'] as const) {
  if (by(exactRuns, kind).every((r) => (r.result.statuses[200] ?? 0) === 0)) problems.push(`${LABEL[kind]} answered no request with 200`);
  if (by(cannonRuns, kind).every((r) => r.ok2xx === 0)) problems.push(`autocannon got no 2xx from ${LABEL[kind]}`);
}
const strandLoaded = cpuRuns.find((r) => r.server === 'strand');
if (strandLoaded !== undefined && (strandLoaded.exact.result.statuses[200] ?? 0) === 0) problems.push('Strand answered nothing under CPU load');
if (problems.length > 0) {
  log(`\nPROBLEMS:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
}
