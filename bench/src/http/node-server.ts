/**
 * The plain `node:http` baseline of the HTTP benchmark, run as a child process:
 *
 *   node --import tsx src/http/node-server.ts
 *
 * `GET /factorial?n=N` computes N! right in the request handler, the way a
 * naive server would (it blocks the event loop until done); anything else
 * answers `200 ok`. Prints `{"port":N}` on one line once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/factorial')) {
    const n = Number(new URL(url, 'http://localhost').searchParams.get('n') ?? 0);
    let acc = 1n;
    for (let i = 2; i <= n; i++) acc *= BigInt(i);
    res.writeHead(200).end(String(acc.toString(2).length));
    return;
  }
  res.writeHead(200).end('ok');
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
