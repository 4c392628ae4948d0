/**
 * Peer 5: `node:http` on the main thread, n! computed by a Piscina pool of
 * THREADS (default 2) worker threads. Tasks wait in Piscina's FIFO queue;
 * when the client goes away first the task is aborted (dropped from the
 * queue, or its thread terminated and replaced), as Strand kills the handler.
 *
 *   PORT=3000 THREADS=2 node --import tsx src/fairness/servers/piscina.ts
 */
import { createServer } from 'node:http';
import { Piscina } from 'piscina';
import { type Answer, contentType, parseTarget } from './factorial.js';

const port = Number(process.env.PORT ?? 3000);
const threads = Number(process.env.THREADS ?? 2);
const pool = new Piscina({ filename: new URL('./piscina-task.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });

const server = createServer((req, res) => {
  const send = (answer: Answer): void => {
    if (!res.destroyed) res.writeHead(answer.status, { 'content-type': contentType(answer) }).end(answer.body);
  };
  if (req.method !== 'GET') return send({ status: 405, body: 'only GET\n' });
  const parsed = parseTarget(req.url);
  if (typeof parsed !== 'number') return send(parsed);
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  pool.run({ n: parsed }, { signal: abort.signal }).then(
    (answer: Answer) => send(answer),
    (error: unknown) => {
      if (!abort.signal.aborted) send({ status: 500, body: `${String(error)}\n` });
    },
  );
});

// Start the threads before saying READY, so that the first request does not pay for them.
await Promise.all(Array.from({ length: threads }, () => pool.run({ n: 1 })));
server.listen(port, '127.0.0.1', () => console.log(`READY Piscina ${threads} threads on http://127.0.0.1:${port}/ (pid ${process.pid})`));
