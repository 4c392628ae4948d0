/**
 * The HTTP benchmark's report: the summary with its target, one table per
 * measurement, how each server ended, and the method. Written to
 * docs/http.md on a full run, printed as text on every run.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadText, machineText, revision } from '../lib/machine.js';
import { median } from '../lib/measure.js';
import { type Report, type Table, atLeastTimes, atMost, grouped, verdictText } from '../lib/report.js';
import { type ExactResult, quantile, quantileOfSent } from './exact-client.js';
import { balanced, errorsText, ms, pct, rate, statusesText, us } from './figures.js';
import type { CannonRun, CpuLoadRun, ExactRun } from './measurements.js';
import { CPU_TARGET_RATIO, LABEL, PLAN, type ServerKind, TARGET_RATIO, command } from './plan.js';

const cpuVerdict = (ratio: number): string => `≤ ${CPU_TARGET_RATIO}×: ${verdictText(atMost(ratio, CPU_TARGET_RATIO, '×', 2))}`;

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface Runs {
  readonly cannon: readonly CannonRun[];
  readonly exact: readonly ExactRun[];
  readonly cpu: readonly CpuLoadRun[];
  /** How each server process ended, and what it wrote on stderr. */
  readonly endings: Readonly<Record<string, string>>;
  readonly stderrs: Readonly<Record<string, string>>;
  readonly started: Date;
  readonly wallS: number;
  readonly loadAtStart: readonly number[];
  readonly loadAtEnd: readonly number[];
}

const by = <T extends { server: ServerKind }>(runs: readonly T[], kind: ServerKind): T[] => runs.filter((r) => r.server === kind);

export function httpReport(runs: Runs): Report {
  const cannonMedian = (kind: ServerKind, f: (r: CannonRun) => number): number => median(by(runs.cannon, kind).map(f));
  const exactMedian = (kind: ServerKind, f: (r: ExactResult) => number): number => median(by(runs.exact, kind).map((r) => f(r.result)));
  const exactCpuMedian = (kind: ServerKind): number => median(by(runs.exact, kind).map((r) => r.cpuPerRequestUs ?? Number.NaN));
  const cannonCpu = (r: CannonRun): number => r.cpuPerRequestUs ?? Number.NaN;
  const cannonRatio = cannonMedian('strand', (r) => r.rps) / cannonMedian('node', (r) => r.rps);
  const exactRatio = exactMedian('strand', rate) / exactMedian('node', rate);
  const [strandLoaded, nodeLoaded] = runs.cpu;
  const loadedRows =
    strandLoaded === undefined || nodeLoaded === undefined
      ? []
      : [
          [
            `p99 ms under CPU load (${PLAN.cpuJobs} × ${PLAN.cpuN}!), exact client`,
            ms(quantileOfSent(strandLoaded.exact.result, 0.99)),
            ms(quantileOfSent(nodeLoaded.exact.result, 0.99)),
            '',
            '',
          ],
          [
            'answered / sent under CPU load',
            `${grouped(strandLoaded.exact.result.answered)} / ${grouped(strandLoaded.exact.result.sent)}`,
            `${grouped(nodeLoaded.exact.result.answered)} / ${grouped(nodeLoaded.exact.result.sent)}`,
            '',
            '',
          ],
        ];
  const summary: Table = {
    title: 'Summary',
    intro: `Medians of ${PLAN.rounds} round${PLAN.rounds === 1 ? '' : 's'} (the order of the two servers alternates from round to round).`,
    header: ['', LABEL.strand, LABEL.node, 'Strand / plain', 'Target'],
    rows: [
      ['requests/s, autocannon', grouped(cannonMedian('strand', (r) => r.rps)), grouped(cannonMedian('node', (r) => r.rps)), `${cannonRatio.toFixed(2)}×`, `≥ ${TARGET_RATIO}×: ${verdictText(atLeastTimes(cannonRatio, TARGET_RATIO))}`],
      ['requests/s (200s), exact client', grouped(exactMedian('strand', rate)), grouped(exactMedian('node', rate)), `${exactRatio.toFixed(2)}×`, `≥ ${TARGET_RATIO}×: ${verdictText(atLeastTimes(exactRatio, TARGET_RATIO))}`],
      [
        'server CPU per request (µs), autocannon',
        us(cannonMedian('strand', cannonCpu)),
        us(cannonMedian('node', cannonCpu)),
        `${(cannonMedian('strand', cannonCpu) / cannonMedian('node', cannonCpu)).toFixed(2)}×`,
        cpuVerdict(cannonMedian('strand', cannonCpu) / cannonMedian('node', cannonCpu)),
      ],
      [
        'server CPU per request (µs), exact client',
        us(exactCpuMedian('strand')),
        us(exactCpuMedian('node')),
        `${(exactCpuMedian('strand') / exactCpuMedian('node')).toFixed(2)}×`,
        cpuVerdict(exactCpuMedian('strand') / exactCpuMedian('node')),
      ],
      ['p50 ms, autocannon', ms(cannonMedian('strand', (r) => r.p50)), ms(cannonMedian('node', (r) => r.p50)), '', ''],
      ['p99 ms, autocannon', ms(cannonMedian('strand', (r) => r.p99)), ms(cannonMedian('node', (r) => r.p99)), '', ''],
      ['p50 ms, exact client', ms(exactMedian('strand', (r) => quantileOfSent(r, 0.5))), ms(exactMedian('node', (r) => quantileOfSent(r, 0.5))), '', ''],
      ['p99 ms, exact client', ms(exactMedian('strand', (r) => quantileOfSent(r, 0.99))), ms(exactMedian('node', (r) => quantileOfSent(r, 0.99))), '', ''],
      ...loadedRows,
    ],
  };
  const cpus = os.availableParallelism();
  return {
    title: 'HTTP benchmark: `@strand/http` vs plain `node:http`',
    meta: [
      ['Date', runs.started.toISOString()],
      ['Machine', machineText()],
      ['Node', `${process.version} (V8 ${process.versions.v8})`],
      ['Command', `\`${command()}\` (from the repository root; runs \`bench/src/http/run.ts\`)`],
      ['Strand revision', `\`${revision(BENCH_DIR)}\``],
      ['Wall time of the run', `${runs.wallS.toFixed(0)} s`],
      ['Load average (1/5/15 min)', `${loadText(runs.loadAtStart)} at start, ${loadText(runs.loadAtEnd)} at end (${cpus} CPUs); each row below gives it at the start of its measurement`],
    ],
    preface: [
      `The machine is shared and noisy, and small: the client, the Strand server's main thread and its ${PLAN.schedulers} scheduler threads all share ${cpus} CPUs with whatever else runs. Read the ratios, from runs interleaved in this same run, more than the absolute figures.`,
    ],
    tables: [summary, cannonTable(runs.cannon), exactTable(runs.exact), cpuTable(runs.cpu)],
    sections: [
      { title: 'Servers', body: [{ list: serverLines(runs) }] },
      { title: 'Method', body: [{ list: method() }], markdownOnly: true },
      { title: 'Analysis', body: ['<!-- analysis -->'], markdownOnly: true },
    ],
  };
}

function cannonTable(runs: readonly CannonRun[]): Table {
  return {
    title: '1. Trivial handler, autocannon',
    intro: `${PLAN.connections} connections, ${PLAN.autocannonS} s per server per round, no pipelining, autocannon ${autocannonVersion()} through its programmatic API, in the runner's process. Latencies at autocannon's resolution (1 ms), 2xx only. autocannon counts \`sent\` when it writes a request and \`errors\` per connection error; a request lost with a connection the server closed is in neither 2xx, non-2xx nor errors, and the requests still in flight when the duration ends are not either: the \`sent − 2xx − non-2xx − errors\` column is at least the ${PLAN.connections} requests in flight at the end, and cannot tell them from lost ones.`,
    header: ['Round', 'Server', 'req/s (mean)', '2xx', 'non-2xx', 'errors', 'of which timeouts', 'resets', 'sent', 'sent − 2xx − non-2xx − errors', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'server CPU µs/request', 'load avg (1/5/15)'],
    rows: runs.map((r) => [
      String(r.round),
      LABEL[r.server],
      grouped(r.rps),
      grouped(r.ok2xx),
      grouped(r.non2xx),
      grouped(r.errors),
      grouped(r.timeouts),
      grouped(r.resets),
      grouped(r.sent),
      grouped(r.sent - r.ok2xx - r.non2xx - r.errors),
      ms(r.p50),
      ms(r.p99),
      ms(r.max),
      pct(r.cpu),
      us(r.cpuPerRequestUs),
      r.load,
    ]),
  };
}

const EXACT_HEAD = ['sent', '200', 'other status', 'errors', 'timeouts', 'sent = answered + errors + timeouts', '200s/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99 ms (answered only)', 'max ms (answered)', 'server CPU', 'server CPU µs/answer'];

/** The EXACT_HEAD cells of one exact-client run. */
function exactCells(run: ExactRun, perRequest: boolean): string[] {
  const r = run.result;
  return [
    grouped(r.sent),
    grouped(r.statuses[200] ?? 0),
    statusesText(r),
    errorsText(r),
    grouped(r.timeouts),
    balanced(r) ? '✅' : `❌ (${r.sent} ≠ ${r.answered + r.errors + r.timeouts}, ${r.doubleOutcomes} double)`,
    grouped(rate(r)),
    ms(quantileOfSent(r, 0.5)),
    ms(quantileOfSent(r, 0.9)),
    ms(quantileOfSent(r, 0.99)),
    ms(quantile(r.latenciesMs, 0.99)),
    ms(r.latenciesMs.length === 0 ? Number.NaN : r.latenciesMs[r.latenciesMs.length - 1]!),
    pct(run.cpu),
    // Under CPU load the server's CPU is mostly the factorials': per request it would mean nothing.
    perRequest ? us(run.cpuPerRequestUs) : '–',
  ];
}

function exactTable(runs: readonly ExactRun[]): Table {
  return {
    title: '2. Trivial handler, exact client',
    intro: `The same ${PLAN.connections} connections, ${PLAN.exactMs / 1000} s of sending per server per round, ${PLAN.timeoutMs / 1000} s timeout per request. Each request ends in exactly one outcome (see Method); \`sent = answered + errors + timeouts\` is checked for every run. Percentiles are over every request sent, an unanswered one counting as slower than any answer ("timeout").`,
    header: ['Round', 'Server', ...EXACT_HEAD, 'load avg (1/5/15)'],
    rows: runs.map((r) => [String(r.round), LABEL[r.server], ...exactCells(r, true), r.load]),
  };
}

function cpuTable(runs: readonly CpuLoadRun[]): Table {
  return {
    title: '3. Trivial requests under CPU load',
    intro: `Fresh servers. ${PLAN.cpuJobs} requests \`GET /factorial?n=${PLAN.cpuN}\` are sent first, one connection each, and kept open; ${PLAN.cpuSettleMs / 1000} s later the exact client measures \`GET /\` for ${PLAN.cpuExactMs / 1000} s with ${PLAN.connections} connections and a ${PLAN.cpuTimeoutMs / 1000} s timeout per request. Strand computes each factorial in its own process, yielding at every multiply; the plain server computes it in its request handler, as a naive server would, so its event loop is blocked by the first one.`,
    header: ['Case', 'Server', ...EXACT_HEAD, `server CPU with the ${PLAN.cpuJobs} jobs alone`, `the ${PLAN.cpuJobs} factorial requests at the end`, 'load avg (1/5/15)'],
    rows: runs.map((r) => [
      `${PLAN.cpuJobs} × ${PLAN.cpuN}!`,
      LABEL[r.server],
      ...exactCells(r.exact, false),
      pct(r.cpuBefore),
      Object.entries(r.jobs).map(([s, n]) => `${n} ${s}`).join(', '),
      r.exact.load,
    ]),
  };
}

function serverLines(runs: Runs): string[] {
  return Object.entries(runs.stderrs).map(
    ([name, text]) => `\`${name}\`: ended by ${runs.endings[name]}; stderr: ${text.trim() === '' ? 'empty' : `\n\n\`\`\`\n${text.trim().slice(0, 4000)}\n\`\`\`\n`}`,
  );
}

function method(): string[] {
  return [
    `**Servers.** Child processes started by the runner from \`bench/\` with \`node --import tsx\`, listening on 127.0.0.1 on a free port (port 0; each prints its port), ended by pid at the end (SIGTERM, then SIGKILL after 3 s). Strand: \`bench/src/http/strand-server.ts\`, \`Strand.start({ schedulers: ${PLAN.schedulers}, preload })\` from \`@strand/pool\` and \`serve({ runtime, handler })\` from \`@strand/http\` with the handler \`function* () { return { status: 200, body: 'ok' }; }\` (\`bench/src/http/handlers.ts\`): every request is a process spawned on a worker scheduler, monitored by the gateway on the main thread, its response sent back as a message. Plain: \`bench/src/http/node-server.ts\`, \`createServer((req, res) => res.writeHead(200).end('ok'))\`.`,
    `**Warm-up.** ${PLAN.warmupS} s of autocannon on each server before it is measured (not recorded).`,
    `**Exact client** (\`bench/src/http/exact-client.ts\`). ${PLAN.connections} loops, each with its own \`http.Agent({ keepAlive: true, maxSockets: 1 })\`, send \`GET /\` one after the other until the duration has passed; nothing is sent after it, and the requests then in flight still get their outcome. An outcome is a status (the body read to its end), an error (request or response error, or the response closed before its end; the code is kept), or a timeout (no complete response in time: the request is destroyed, closing its connection). Latencies are \`performance.now()\` from \`http.request\` to the response's end, kept one by one (exact percentiles, nearest rank). \`200s/s\` = 200 responses / sending window.`,
    '**Server CPU.** utime + stime of the server process (all its threads) from `/proc/<pid>/stat` over the measurement, as a percentage of one core, and divided by the requests answered (µs/request): on a machine this loaded, throughput follows the share of CPU each server gets, and CPU per request is the steadier measure of what a request costs (it still grows with contention: caches, context switches).',
    `**Targets** (issue 9). Strand ≥ ${TARGET_RATIO}× plain node's requests/s on the trivial handler, and ≤ ${CPU_TARGET_RATIO}× its server CPU per request.`,
  ];
}

function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return '';
  }
}
