/**
 * The node:cluster side of the placement-spread benchmark, run as a child
 * process with an IPC channel:
 *
 *   node --import tsx src/pool/spread-cluster-server.ts <workers>
 *
 * The primary forks `workers` workers with round-robin scheduling
 * (`cluster.SCHED_RR`, Node's default on Linux: the primary accepts each
 * connection and hands it to the next worker); each runs a plain
 * `node:http` server on the shared port. `GET /work?units=N` runs N units of
 * work in the request handler and answers `{"worker":<id>,"units":N}`.
 *
 * IPC with the runner: sends `{ port }` once every worker listens; answers
 * `'stats'` with `{ workers: [{ id, cpuMs, units, requests, connections }] }`
 * (CPU time from `process.cpuUsage()` in each worker, user + system, since
 * the worker started); `'stop'` ends everything.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:http';
import { workUnits } from './spread-work.js';

interface WorkerStats {
  readonly id: number;
  readonly cpuMs: number;
  readonly units: number;
  readonly requests: number;
  readonly connections: number;
}

cluster.schedulingPolicy = cluster.SCHED_RR;

if (cluster.isPrimary) {
  const count = Number(process.argv[2] ?? 8);
  const workers: Worker[] = [];
  let port = 0;
  await Promise.all(
    Array.from({ length: count }, () => {
      const worker = cluster.fork();
      workers.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.once('listening', (address) => {
          port = address.port;
          resolve();
        });
        worker.once('exit', (code) => reject(new Error(`cluster worker exited with ${code} before listening`)));
      });
    }),
  );
  process.on('message', (message: unknown) => {
    if (message === 'stats') {
      void Promise.all(
        workers.map(
          (w) =>
            new Promise<WorkerStats>((resolve) => {
              w.once('message', (stats: WorkerStats) => resolve(stats));
              w.send('stats');
            }),
        ),
      ).then((stats) => process.send!({ workers: stats }));
    } else if (message === 'stop') {
      for (const w of workers) w.process.kill();
      process.exit(0);
    }
  });
  process.send!({ port, pid: process.pid });
} else {
  const id = cluster.worker!.id;
  let units = 0;
  let requests = 0;
  let connections = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const n = Number(url.searchParams.get('units') ?? 0);
    const check = workUnits(n, n);
    units += n;
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ worker: id, units: n, check: check & 0xff }));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => {
    connections += 1;
  });
  process.on('message', (message: unknown) => {
    if (message !== 'stats') return;
    const cpu = process.cpuUsage();
    process.send!({ id, cpuMs: (cpu.user + cpu.system) / 1000, units, requests, connections } satisfies WorkerStats);
  });
  server.listen(0, '127.0.0.1');
}
