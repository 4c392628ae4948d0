/**
 * Placement spread: the same uneven HTTP load (src/pool/spread-work.ts: 24
 * keep-alive connections, 260 requests; 2 heavy connections carry 70% of
 * the work) sent to
 *
 * - node:cluster with 8 workers (src/pool/spread-cluster-server.ts): it
 *   balances connections, round-robin, and a connection's requests all go
 *   to the worker that got the connection;
 * - `@strand/http` on 8 worker schedulers (src/pool/spread-strand-server.ts):
 *   every request is a process placed on the least-loaded scheduler.
 *
 * Both servers run at once as child processes (one idle while the other is
 * loaded); rounds alternate which goes first. Per round, for each of the 8
 * workers/schedulers: the work units it computed (from the answers: each
 * says where it ran and how many units) and its CPU time (cluster:
 * `process.cpuUsage()` in each worker) or reductions (Strand: `rt.stats()`).
 * Figure: the share of all work done by the busiest 2 of 8. Also: the
 * latency of the light connections' requests (median, p99) and the wall
 * time of the round.
 *
 * This machine has 2 cores, so 8 workers or schedulers share them: the
 * figures are about where the work goes, not about wall time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ThreadStats } from '@strand/pool';
import type { BenchParams, Metric } from '../lib/metric.js';
import { now } from './common.js';
import { type JobMix, jobMix, packedShare, topShare } from './spread-work.js';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));
const WORKERS = 8;

interface Server {
  readonly kind: 'cluster' | 'strand';
  readonly port: number;
  readonly child: ChildProcess;
  ask<T>(message: string): Promise<T>;
  stop(): Promise<void>;
}

async function startServer(kind: 'cluster' | 'strand'): Promise<Server> {
  const script = kind === 'cluster' ? 'src/pool/spread-cluster-server.ts' : 'src/pool/spread-strand-server.ts';
  const child = spawn(process.execPath, [...process.execArgv, script, String(WORKERS)], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server: not listening after 60 s`)), 60_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited (${code ?? signal}) before listening`));
    });
  });
  return {
    kind,
    port,
    child,
    ask: <T>(message: string) =>
      new Promise<T>((resolve) => {
        child.once('message', (m: T) => resolve(m));
        child.send(message);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send('stop');
      }),
  };
}

interface Answer {
  readonly worker: number;
  readonly units: number;
}

interface LoadResult {
  readonly answers: Answer[];
  /** Sockets each connection used (1 each: keep-alive held). */
  readonly sockets: number[];
  /** Latency (ms) of every request of the light connections. */
  readonly lightMs: number[];
  readonly ms: number;
}

/** Sends the job mix over `mix.jobs.length` keep-alive connections, each one's requests one after another. */
async function load(port: number, mix: JobMix): Promise<LoadResult> {
  const answers: Answer[] = [];
  const lightMs: number[] = [];
  const t0 = now();
  const sockets = await Promise.all(
    mix.jobs.map(async (sizes, connection) => {
      // One agent per connection, one socket per agent: every request of this client rides one connection.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const seen = new Set<unknown>();
      try {
        for (const units of sizes) {
          const sent = now();
          const answer = await new Promise<Answer>((resolve, reject) => {
            const req = request({ host: '127.0.0.1', port, path: `/work?units=${units}`, agent }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => {
                if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${body}`));
                else resolve(JSON.parse(body) as Answer);
              });
            });
            req.on('socket', (socket) => seen.add(socket));
            req.on('error', reject);
            req.end();
          });
          if (answer.units !== units) throw new Error(`asked for ${units} units, the answer says ${answer.units}`);
          answers.push(answer);
          if (connection >= mix.heavy) lightMs.push(now() - sent);
        }
      } finally {
        agent.destroy();
      }
      return seen.size;
    }),
  );
  return { answers, sockets, lightMs, ms: now() - t0 };
}

/** Sums `units` by worker, for workers `ids` in order. */
function unitsBy(answers: readonly Answer[], ids: readonly number[]): number[] {
  const by = new Map<number, number>(ids.map((id) => [id, 0]));
  for (const a of answers) by.set(a.worker, (by.get(a.worker) ?? 0) + a.units);
  return ids.map((id) => by.get(id)!);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Figures common to both servers. */
function common(id: string, result: LoadResult): Metric[] {
  return [
    { id: `${id}/ms`, value: result.ms, unit: 'ms' },
    { id: `${id}/sockets`, value: result.sockets.reduce((a, b) => a + b, 0), unit: 'sockets' },
    { id: `${id}/light-p50`, value: quantile(result.lightMs, 0.5), unit: 'ms' },
    { id: `${id}/light-p99`, value: quantile(result.lightMs, 0.99), unit: 'ms' },
  ];
}

interface ClusterStats {
  readonly workers: { id: number; cpuMs: number; units: number; requests: number; connections: number }[];
}

async function clusterRound(server: Server, mix: JobMix, round: number): Promise<Metric[]> {
  const before = await server.ask<ClusterStats>('stats');
  const result = await load(server.port, mix);
  const after = await server.ask<ClusterStats>('stats');
  const ids = after.workers.map((w) => w.id);
  const units = unitsBy(result.answers, ids);
  const cpu = after.workers.map((w, i) => w.cpuMs - before.workers[i]!.cpuMs);
  const connections = after.workers.map((w, i) => w.connections - before.workers[i]!.connections);
  const id = `spread/cluster/r${round}`;
  return [
    { id: `${id}/top2-units`, value: topShare(units), unit: 'share' },
    { id: `${id}/top2-cpu`, value: topShare(cpu), unit: 'share' },
    ...common(id, result),
    ...units.map((u, i) => ({ id: `${id}/units-${i + 1}`, value: u, unit: 'units' })),
    ...cpu.map((c, i) => ({ id: `${id}/cpu-${i + 1}`, value: c, unit: 'cpu ms' })),
    ...connections.map((c, i) => ({ id: `${id}/connections-${i + 1}`, value: c, unit: 'connections' })),
  ];
}

async function strandRound(server: Server, mix: JobMix, round: number): Promise<Metric[]> {
  const before = (await server.ask<{ stats: ThreadStats[] }>('stats')).stats;
  const result = await load(server.port, mix);
  const after = (await server.ask<{ stats: ThreadStats[] }>('stats')).stats;
  const workers = after.filter((s) => s.index !== 0);
  const ids = workers.map((s) => s.index);
  const units = unitsBy(result.answers, ids);
  const reductions = workers.map((s) => s.reductions - before.find((b) => b.index === s.index)!.reductions);
  const id = `spread/strand/r${round}`;
  return [
    { id: `${id}/top2-units`, value: topShare(units), unit: 'share' },
    { id: `${id}/top2-reductions`, value: topShare(reductions), unit: 'share' },
    ...common(id, result),
    ...units.map((u, i) => ({ id: `${id}/units-${i + 1}`, value: u, unit: 'units' })),
    ...reductions.map((r, i) => ({ id: `${id}/reductions-${i + 1}`, value: r, unit: 'reductions' })),
  ];
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const rounds = Number(params.rounds ?? (params.smoke ? 1 : 3));
  const totalUnits = Number(params.units ?? (params.smoke ? 200_000 : 3_000_000));
  const mix = jobMix(totalUnits);
  const warm = jobMix(Math.min(totalUnits, 200_000));
  const metrics: Metric[] = [
    { id: 'spread/mix/top2-connections', value: topShare(mix.jobs.map((j) => j.reduce((a, b) => a + b, 0))), unit: 'share' },
    { id: 'spread/mix/packed-top2', value: packedShare(mix.jobs.flat(), WORKERS), unit: 'share' },
    { id: 'spread/mix/largest-job', value: Math.max(...mix.jobs.flat()) / mix.totalUnits, unit: 'share' },
    { id: 'spread/mix/total-units', value: mix.totalUnits, unit: 'units' },
    { id: 'spread/mix/connections', value: mix.jobs.length, unit: 'connections' },
    { id: 'spread/mix/requests', value: mix.jobs.flat().length, unit: 'requests' },
  ];
  const [cluster, strand] = await Promise.all([startServer('cluster'), startServer('strand')]);
  try {
    // Warm-up: compile the work and the request paths in every worker and scheduler.
    await load(cluster.port, warm);
    await load(strand.port, warm);
    for (let r = 1; r <= rounds; r++) {
      const order = r % 2 === 1 ? (['cluster', 'strand'] as const) : (['strand', 'cluster'] as const);
      for (const kind of order) {
        process.stderr.write(`  spread round ${r}/${rounds}: ${kind}\n`);
        metrics.push(...(kind === 'cluster' ? await clusterRound(cluster, mix, r) : await strandRound(strand, mix, r)));
      }
    }
  } finally {
    await Promise.all([cluster.stop(), strand.stop()]);
  }
  return metrics;
}
