/**
 * Peer 4: `node:cluster` with WORKERS (default 2) workers, each running the
 * plain handler (plain.ts): the model of PM2's cluster mode. The primary
 * hands connections out round-robin (Node's default on Linux).
 *
 *   PORT=3000 WORKERS=2 node --import tsx src/fairness/servers/cluster.ts
 */
import cluster from 'node:cluster';
import { listen } from './plain.js';

const port = Number(process.env.PORT ?? 3000);
const workers = Number(process.env.WORKERS ?? 2);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    worker.on('listening', () => {
      if (++listening === workers) {
        console.log(`READY node:cluster, ${workers} workers on http://127.0.0.1:${port}/ (pids ${Object.values(cluster.workers ?? {}).map((w) => w?.process.pid).join(' ')})`);
      }
    });
  }
  cluster.on('exit', (worker, code, signal) => console.error(`worker ${worker.process.pid} exited (${signal ?? code})`));
} else {
  listen(port, () => {});
}
