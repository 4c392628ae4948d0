/**
 * The bench's baseline: plain `node:http` answering what `GET /factorial?n=1`
 * answers, in this one process (WORKERS=0) or in WORKERS `node:cluster`
 * workers sharing PORT. Prints `listening PORT PIDS` (the pids whose main
 * thread takes requests, comma-separated) once every one listens.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const workers = Number(process.env.WORKERS ?? 0);
const port = Number(process.env.PORT ?? 0);
const BODY = JSON.stringify({ n: 1, value: '1', bits: 1, digits: 1, exactDigits: true });

const serve = (): void => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(BODY));
  server.listen(port, '127.0.0.1', () => {
    if (workers === 0) console.log(`listening ${(server.address() as { port: number }).port} ${process.pid}`);
  });
};

if (workers === 0 || cluster.isWorker) {
  serve();
} else {
  const pids: number[] = [];
  cluster.on('listening', (worker, address) => {
    if (pids.push(worker.process.pid!) === workers) console.log(`listening ${address.port} ${pids.join(',')}`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    process.exit(0);
  });
}
