// Requests the server refuses before any process runs: bodies over the limit
// (413), targets that are not a path (400), headers that come too slowly
// (408 or closed, by Node) or are too large (431, by Node).
//
// Whether a process was spawned is told by the `Witness` handler: it announces
// itself to an inbox registered as WITNESS as soon as it starts. With one scheduler
// thread, a handler spawned for a refused request would report before the
// control request sent after it, so after the control's report has come,
// nothing else may have.
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpServer } from '@strand/http';
import type { Runtime } from '@strand/pool';
import { Witness } from './fixtures/handlers.js';
import { handlerProcesses, outcome, raw, request, startRuntime, startServer, stopAll, tally, waitFor, witness } from './support.js';

afterEach(stopAll);

const LIMIT = 1024;

async function witnessed(options: { headersTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
  const runtime = await startRuntime({ schedulers: 1 });
  const seen = witness(runtime);
  const server = await startServer({ runtime, handler: Witness, bodyLimitBytes: LIMIT, ...options });
  return { runtime, seen, server };
}

/**
 * Sends a good request and returns every handler that announced itself up to
 * and including that one: `['/control']` when nothing before it spawned a process.
 */
async function spawnedBefore(runtime: Runtime, seen: ReturnType<typeof witness>, server: HttpServer): Promise<string[]> {
  const control = await request(server.port, '/control');
  expect(control.status).toBe(200);
  expect(control.text).toBe('seen /control');
  const paths: string[] = [];
  for (let i = 0; i < 100; i++) {
    const [next] = await seen.take(1);
    if (next === undefined) break;
    paths.push(next.witness);
    if (next.witness === '/control') break;
  }
  expect(server.inFlight).toBe(0);
  expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
  return paths;
}

const rawRequest = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

describe('a body over bodyLimitBytes', () => {
  it('with a declared content-length over the limit is answered 413 without a process', async () => {
    const { runtime, seen, server } = await witnessed();
    const reply = await request(server.port, '/upload', { method: 'POST', body: 'x'.repeat(LIMIT * 4) });
    expect(reply.status).toBe(413);
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  });

  it('with a declared content-length over the limit and no body sent yet is answered 413 at once', async () => {
    const { runtime, seen, server } = await witnessed();
    const result = await raw(server.port, [`POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${LIMIT * 100}\r\n\r\n`]);
    expect(result.status).toBe(413);
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  });

  it('sent chunked, without a length, is answered 413 once it passes the limit, without a process', async () => {
    const { runtime, seen, server } = await witnessed();
    const reply = await request(server.port, '/upload', { method: 'POST', body: 'y'.repeat(LIMIT * 4), chunked: 256 });
    expect(reply.status).toBe(413);
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  });

  it('several over-limit uploads at once are all answered 413', async () => {
    const { runtime, seen, server } = await witnessed();
    const uploads = Array.from({ length: 6 }, (_, i) =>
      outcome(request(server.port, `/upload/${i}`, { method: 'POST', body: 'z'.repeat(LIMIT * 8), ...(i % 2 === 0 ? { chunked: 512 } : {}) })),
    );
    expect(tally(await Promise.all(uploads))).toEqual({ '413': 6 });
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  });

  it('a body of exactly the limit is accepted, whole (the limit is not off by one)', async () => {
    const { runtime, seen, server } = await witnessed();
    const at = await request(server.port, '/at-limit', { method: 'POST', body: 'a'.repeat(LIMIT) });
    expect(at.status).toBe(200);
    const chunked = await request(server.port, '/at-limit-chunked', { method: 'POST', body: 'b'.repeat(LIMIT), chunked: 100 });
    expect(chunked.status).toBe(200);
    // Each handler got the whole body.
    const both = await seen.take(2);
    expect(both.map(({ witness: path, bytes }) => ({ path, bytes }))).toEqual([
      { path: '/at-limit', bytes: LIMIT },
      { path: '/at-limit-chunked', bytes: LIMIT },
    ]);
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  });
});

describe('a malformed request target', () => {
  const targets = [
    'http://[bad /', // an unparseable request line
    'http://[bad', // an absolute URL that is not one
    '%zz', // not a path
    '/%zz', // a path whose escapes do not decode
    '/a/%E0%A4%A', // a truncated UTF-8 escape
    '/caf%C3', // an escape that is not UTF-8
  ];

  for (const target of targets) {
    it(`GET ${target} is answered 400 without a process`, async () => {
      const { runtime, seen, server } = await witnessed();
      const result = await raw(server.port, [rawRequest(target)]);
      expect(result.status, `${target}: ${JSON.stringify(result.data.slice(0, 80))}`).toBe(400);
      expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
    });
  }
});

describe('slow and oversized headers', () => {
  it('headers sent slower than headersTimeoutMs are cut off by Node (408 or closed)', async () => {
    const { runtime, seen, server } = await witnessed({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    // One byte every 100 ms: 150 bytes would take 15 s, thirty times the headers timeout.
    const start = `GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `;
    const parts = [start, ...'a'.repeat(150).split('')];
    const result = await raw(server.port, parts, { delayMs: 100, timeoutMs: 15_000 });
    expect(result.end, `the connection was still open after 15 s; got ${JSON.stringify(result.data)}`).toBe('closed');
    if (result.status !== undefined) expect(result.status).toBe(408);
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  }, 25_000);

  it('headers larger than Node accepts are answered 431 without a process', async () => {
    const { runtime, seen, server } = await witnessed();
    const result = await raw(server.port, [rawRequest('/big', `X-Big: ${'b'.repeat(64 * 1024)}\r\n`)]);
    expect(result.status).toBe(431);
    expect(await spawnedBefore(runtime, seen, server)).toEqual(['/control']);
  });
});
