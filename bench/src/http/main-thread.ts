/**
 * The main thread as the ceiling: CPU per request of the main thread and of
 * the whole process, Strand's `serve` (2 schedulers) against plain
 * `node:http`, trivial handler, autocannon with 20 connections, rounds
 * interleaved. Prints medians and what they project for 8 and 32 cores.
 *
 *   npm run bench:http:main-thread [-- --rounds 5 --seconds 10]    writes docs/http-main-thread.md
 *   npm run bench:http:main-thread -- --smoke                       2 s rounds, writes nothing
 *
 * Every request crosses Strand's main thread (accept, parse, spawn, answer),
 * so on N cores Strand answers at most 1e6 / (main-thread µs per request)
 * requests per second, however many schedulers it has; plain Node under
 * `node:cluster` scales with N (each worker process does everything).
 * Reads /proc/<pid>/task/<pid>/stat (the main thread) and /proc/<pid>/stat
 * (all threads): Linux only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadText, machineMeta, revision } from '../lib/machine.js';
import { median } from '../lib/measure.js';
import { grouped, publish, times } from '../lib/report.js';
import { startServer } from './servers.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const smoke = argv.includes('--smoke');
const ROUNDS = option('rounds', smoke ? 1 : 5);
const SECONDS = option('seconds', smoke ? 2 : 10);
const CONNECTIONS = 20;
/** Core counts the projection is made for. */
const CORES = [2, 8, 32] as const;
/** USER_HZ: the unit of utime and stime in /proc (100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

interface Sample {
  readonly requests: number;
  readonly failed: number;
  readonly mainUs: number;
  readonly processUs: number;
}

function cpuSeconds(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function measure(name: string, script: string, args: readonly string[]): Promise<Sample> {
  const server = await startServer(name, script, args);
  try {
    await autocannon({ url: server.url, connections: CONNECTIONS, duration: Math.min(2, SECONDS) });
    const main = `/proc/${server.pid}/task/${server.pid}/stat`;
    const all = `/proc/${server.pid}/stat`;
    const [main0, all0] = [cpuSeconds(main), cpuSeconds(all)];
    const result = await autocannon({ url: server.url, connections: CONNECTIONS, duration: SECONDS });
    const [main1, all1] = [cpuSeconds(main), cpuSeconds(all)];
    const requests = result.requests.total;
    return {
      requests,
      failed: result.non2xx + result.errors + result.timeouts,
      mainUs: ((main1 - main0) * 1e6) / requests,
      processUs: ((all1 - all0) * 1e6) / requests,
    };
  } finally {
    await server.kill();
  }
}

const DOC = fileURLToPath(new URL('../../../docs/http-main-thread.md', import.meta.url));
const loadBefore = loadText();
const strand: Sample[] = [];
const plain: Sample[] = [];
for (let round = 0; round < ROUNDS; round++) {
  strand.push(await measure('strand', 'src/http/strand-server.ts', ['ok', '2']));
  plain.push(await measure('plain', 'src/http/node-server.ts', []));
}
const failed = [...strand, ...plain].reduce((n, s) => n + s.failed, 0);
if (failed > 0) throw new Error(`${failed} requests failed: the figures would not be of the trivial handler`);
const m = (samples: Sample[], key: 'mainUs' | 'processUs'): number => median(samples.map((s) => s[key]));
const [strandMain, strandAll, plainMain, plainAll] = [m(strand, 'mainUs'), m(strand, 'processUs'), m(plain, 'mainUs'), m(plain, 'processUs')];
const projected = CORES.map((n) => {
  const s = Math.min(1e6 / strandMain, (n * 1e6) / strandAll);
  const p = (n * 1e6) / plainAll;
  return [String(n), grouped(s), grouped(p), times(s / p)];
});

publish(
  {
    title: 'HTTP: the main thread as the ceiling',
    meta: [
      ...machineMeta(),
      ['Command', `\`npm run bench:http:main-thread\` (bench/src/http/main-thread.ts), ${ROUNDS} rounds of ${SECONDS} s, rounds interleaved`],
      ['Strand revision', `\`${revision(fileURLToPath(new URL('.', import.meta.url)))}\``],
      ['Load average (1/5/15 min)', `${loadBefore} at start, ${loadText()} at end (2 CPUs)`],
    ],
    preface: [
      'Every request crosses Strand\'s main thread (accept, parse, spawn, answer), so however many schedulers it has, one ' +
        'gateway answers at most 1e6 / (main-thread µs per request) requests per second; plain Node under `node:cluster` ' +
        'scales with the cores (each worker process does everything). CPU time from /proc (utime + stime): the main ' +
        'thread alone, and the whole process. Trivial handler, autocannon, ' + `${CONNECTIONS} connections; every request answered 200.`,
    ],
    tables: [
      {
        title: 'CPU per request (medians)',
        header: ['', 'Strand (2 schedulers)', 'plain node:http', 'Strand / plain'],
        rows: [
          ['main thread, µs/request', strandMain.toFixed(1), plainMain.toFixed(1), times(strandMain / plainMain)],
          ['whole process, µs/request', strandAll.toFixed(1), plainAll.toFixed(1), times(strandAll / plainAll)],
        ],
      },
      {
        title: 'What it projects',
        intro:
          'Requests/s if CPU were the only limit: Strand ≤ min(1e6 / main-thread µs, N × 1e6 / whole-process µs), one gateway; ' +
          'plain node:cluster = N × 1e6 / whole-process µs.',
        header: ['cores', 'Strand, one gateway', 'plain node:cluster', 'Strand / plain'],
        rows: projected,
      },
    ],
    sections: [
      {
        title: 'What it means',
        body: [
          'One gateway is a ceiling that does not move with the cores: past a few cores, Strand serves trivial HTTP at a ' +
            'fraction of what plain Node does under node:cluster, whatever its schedulers could do. What the main thread ' +
            'spends per request beyond plain Node (accept and parse are the same) is the gateway: a place in the table, a ' +
            'pid and a spawn envelope, a monitor, the deadline timer, the response and the DOWN through the inbox\'s relay ' +
            'process, and structured clone of the request and response across threads.',
          'The way past it is more gateways, not a cheaper one: several OS processes each with its own listener (node:cluster ' +
            'or SO_REUSEPORT) and its own schedulers, joined as nodes by @strand/cluster so that processes still reach each ' +
            'other (issue 12). A cheaper gateway (shared-memory rings instead of postMessage, no per-request monitor) moves ' +
            'the ceiling by a constant factor only.',
        ],
      },
    ],
  },
  smoke ? undefined : DOC,
);
