/**
 * Peer 3: plain `node:http`, n! computed inline in the request handler.
 * Also the worker of the node:cluster peer (cluster.ts).
 *
 *   PORT=3000 node --import tsx src/fairness/servers/plain.ts
 */
import { createServer } from 'node:http';
import { contentType, handle } from './factorial.js';

export function listen(port: number, onListening: () => void): void {
  const server = createServer((req, res) => {
    const answer = req.method === 'GET' ? handle(req.url) : { status: 405, body: 'only GET\n' };
    res.writeHead(answer.status, { 'content-type': contentType(answer) }).end(answer.body);
  });
  server.listen(port, '127.0.0.1', onListening);
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) {
  const port = Number(process.env.PORT ?? 3000);
  listen(port, () => console.log(`READY plain node:http on http://127.0.0.1:${port}/ (pid ${process.pid})`));
}
