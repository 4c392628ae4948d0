/**
 * The third server of the side-by-side demo: plain `node:http`, n! computed
 * inline by the same steps as the Strand route (factorial.ts), never
 * stopping between them, so one long factorial holds every other request
 * until it ends. Open to any origin, like the Strand route, for the page to
 * time it. No signal handlers: SIGTERM ends it even mid-factorial.
 *
 *   PORT=3002 node --import tsx src/side-by-side/plain-server.ts
 */
import { createServer } from 'node:http';
import { type FactorialAnswer, factorialSteps, parseN } from '../factorial.js';

const port = Number(process.env.PORT ?? 3002);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const answer: FactorialAnswer =
    url.pathname !== '/factorial'
      ? { status: 404, contentType: 'text/plain', body: 'not found\n' }
      : req.method !== 'GET'
        ? { status: 405, contentType: 'text/plain', body: 'only GET\n' }
        : compute(url.searchParams.get('n') ?? undefined);
  res.writeHead(answer.status, { 'content-type': answer.contentType, 'access-control-allow-origin': '*' }).end(answer.body);
});

function compute(raw: string | undefined): FactorialAnswer {
  const n = parseN(raw);
  if (typeof n !== 'number') return n;
  const steps = factorialSteps(n);
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  return step.value;
}

server.listen(port, '127.0.0.1', () => {
  const bound = server.address();
  console.log(`plain node:http factorial on http://127.0.0.1:${typeof bound === 'object' && bound !== null ? bound.port : port}/`);
});
