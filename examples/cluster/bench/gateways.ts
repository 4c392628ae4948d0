/**
 * Trivial requests/s (`GET /factorial?n=1`) through 1 and 2 Strand gateways
 * on one port (src/gateways.ts, each a cluster node) against plain
 * `node:http` in one process and under `node:cluster` with 2 workers,
 * measured in the same run, rounds interleaved; autocannon in this process.
 * Also the CPU each request costs (from /proc: the gateways' main threads,
 * and every process of the server), from which it projects G gateways on
 * more cores. Writes docs/gateways.md (not with --smoke).
 *
 *   npm run bench:gateways [-- --rounds 3 --seconds 10]     (in examples/cluster; needs nats-server)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startGateways } from '../src/gateways-process.js';
import { ANY_PORT, startNatsServer } from '../src/nats-server.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
const smoke = argv.includes('--smoke');
const ROUNDS = option('rounds', smoke ? 1 : 3);
const SECONDS = option('seconds', smoke ? 2 : 10);
/** Keep-alive connections from autocannon: node:cluster's primary hands each to a worker in turn, so both gateways get half. */
const CONNECTIONS = 20;
/** Warm-up before each measurement, in s: JIT, and each gateway's first spawns. */
const WARMUP_SECONDS = 2;
/** USER_HZ, the unit of utime and stime in /proc (100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;
/** Core counts the projection is made for. */
const PROJECTED_CORES = [2, 8, 32] as const;
const DOC = fileURLToPath(new URL('../../../docs/gateways.md', import.meta.url));
const PLAIN = fileURLToPath(new URL('./plain-server.ts', import.meta.url));

interface Server {
  readonly url: string;
  /** The processes whose main thread takes each request (one of them per request). */
  readonly gatewayPids: readonly number[];
  readonly rootPid: number;
  stop(): Promise<unknown>;
}
interface Sample {
  readonly perSecond: number;
  readonly mainUs: number;
  readonly allUs: number;
}

const cpuSeconds = (statPath: string): number => {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
};
/** `root` and its descendants (the primary, its workers). */
const tree = (root: number): number[] => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    } catch {} // it exited between the listing and the read
  }
  const inTree = (pid: number): boolean => pid === root || (parents.has(pid) && pid > 1 && inTree(parents.get(pid)!));
  return [...parents.keys()].filter(inTree);
};
const cpu = (server: Server): { main: number; all: number } => ({
  main: server.gatewayPids.reduce((s, pid) => s + cpuSeconds(`/proc/${pid}/task/${pid}/stat`), 0),
  all: tree(server.rootPid).reduce((s, pid) => s + cpuSeconds(`/proc/${pid}/stat`), 0),
});

async function plain(workers: number): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', PLAIN], { env: { ...process.env, WORKERS: String(workers) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [port, pids] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const listening = /listening (\d+) ([\d,]+)\n/.exec((out += String(chunk)));
      if (listening !== null) resolve([listening[1]!, listening[2]!]);
    });
    child.once('exit', (code) => reject(new Error(`plain server exited (${code})`)));
  });
  const gatewayPids = pids.split(',').map(Number);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { url: `http://127.0.0.1:${port}`, gatewayPids, rootPid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) };
}

async function strand(gateways: number, natsUrl: string): Promise<Server> {
  const started = await startGateways({ gateways, port: 0, natsUrl });
  return { url: started.base, gatewayPids: started.listened().map((g) => g.pid), rootPid: started.pid, stop: () => started.stop('SIGTERM') };
}

async function measure(server: Server): Promise<Sample> {
  try {
    const url = `${server.url}/factorial?n=1`;
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS });
    const before = cpu(server);
    const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
    const after = cpu(server);
    const failed = result.non2xx + result.errors + result.timeouts;
    if (failed > 0) throw new Error(`${failed} requests to ${url} failed: the figures would not be of the trivial route`);
    const n = result.requests.total;
    return { perSecond: n / SECONDS, mainUs: ((after.main - before.main) * 1e6) / n, allUs: ((after.all - before.all) * 1e6) / n };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const grouped = (x: number): string => Math.round(x).toLocaleString('en-US');
const loadText = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

const CASES = [
  { name: 'plain node:http, 1 process', start: () => plain(0) },
  { name: 'plain node:cluster, 2 workers', start: () => plain(2) },
  { name: 'Strand, 1 gateway (2 schedulers)', start: (nats: string) => strand(1, nats) },
  { name: 'Strand, 2 gateways (1 scheduler each)', start: (nats: string) => strand(2, nats) },
] as const;

const loadBefore = loadText();
const nats = await startNatsServer(ANY_PORT);
const samples = CASES.map((): Sample[] => []);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of CASES.entries()) {
      samples[i]!.push(await measure(await c.start(nats.url)));
      console.log(`round ${round + 1}: ${c.name}: ${grouped(samples[i]!.at(-1)!.perSecond)} requests/s`);
    }
  }
} finally {
  await nats.stop();
}

const med = samples.map((s) => ({ perSecond: median(s.map((x) => x.perSecond)), mainUs: median(s.map((x) => x.mainUs)), allUs: median(s.map((x) => x.allUs)) }));
const base = med[0]!.perSecond;
/** Case `a`'s rate over case `b`'s in each round, and their median. */
const paired = (a: number, b: number): string => {
  const ratios = samples[a]!.map((s, round) => s.perSecond / samples[b]![round]!.perSecond);
  return `${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(ratios).toFixed(2)}×)`;
};
const rows = CASES.map((c, i) =>
  `| ${c.name} | ${grouped(med[i]!.perSecond)} | ${(med[i]!.perSecond / base).toFixed(2)}× | ${med[i]!.mainUs.toFixed(1)} | ${med[i]!.allUs.toFixed(1)} | ${samples[i]!.map((s) => grouped(s.perSecond)).join(', ')} |`,
);
// G gateways on N cores, if CPU were the only limit: each request takes one gateway's main thread, and the whole machine's CPU.
const [gwMain, gwAll, plainAll] = [med[3]!.mainUs, med[3]!.allUs, med[1]!.allUs];
const projected = PROJECTED_CORES.map((n) => {
  const rate = (g: number): number => Math.min((g * 1e6) / gwMain, (n * 1e6) / gwAll);
  const enough = Math.ceil((n * gwMain) / gwAll);
  return `| ${n} | ${grouped(rate(1))} | ${grouped(rate(n / 2))} | ${grouped(rate(n))} | ${enough} | ${grouped((n * 1e6) / plainAll)} |`;
});
const cores = os.availableParallelism();
const doc = `# Several gateways on one machine: trivial HTTP

- **Date:** ${new Date().toISOString()}
- **Machine:** ${cores} CPUs (availableParallelism), ${os.cpus()[0]?.model.trim()}, Linux ${os.release()}
- **Node:** ${process.version}
- **Command:** \`cd examples/cluster && npm run bench:gateways\` (examples/cluster/bench/gateways.ts), ${ROUNDS} rounds of ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, cases interleaved
- **Load average (1/5/15 min):** ${loadBefore} at start, ${loadText()} at end

\`GET /factorial?n=1\` through Strand gateways on one port (examples/cluster/src/gateways.ts: \`node:cluster\` workers, each a cluster node over a local \`nats-server -js\`), and the same JSON from plain \`node:http\`; autocannon with ${CONNECTIONS} keep-alive connections, in the bench's own process, so the client shares the ${cores} cores with the server. Every request answered 200. CPU from /proc (utime + stime): "main thread" is the main threads of the processes that take requests (a gateway's, or plain Node's), "whole server" every process of the server (primary, workers, their threads).

## Measured (medians)

| server | requests/s | vs plain node:http | main thread µs/request | whole server µs/request | per round |
|---|---:|---:|---:|---:|---|
${rows.join('\n')}

On these ${cores} cores, 2 gateways against 1, round by round (the two ran back to back): ${paired(3, 2)}. Plain node:cluster's 2 workers against one plain process: ${paired(1, 0)}.

## What G gateways project

With this run's 2-gateway figures (${gwMain.toFixed(1)} µs of a gateway's main thread and ${gwAll.toFixed(1)} µs of the whole server per request), G gateways on N cores answer at most min(G × 1e6 / ${gwMain.toFixed(1)}, N × 1e6 / ${gwAll.toFixed(1)}) requests/s: the main threads stop being the limit once G ≥ N × ${gwMain.toFixed(1)} / ${gwAll.toFixed(1)}. Plain node:cluster: N × 1e6 / ${plainAll.toFixed(1)} (its 2-worker figure). No client, no NATS traffic counted: a ceiling, not a forecast.

| cores N | 1 gateway | N/2 gateways | N gateways | gateways enough | plain node:cluster |
|---|---:|---:|---:|---:|---:|
${projected.join('\n')}

What it means: docs/cluster.md, "Several gateways on one machine".
`;
console.log(doc);
if (!smoke) writeFileSync(DOC, doc);
