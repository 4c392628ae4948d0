// What a handler returns reaches the client (status, headers, string and byte
// bodies), and what the client sent reaches the handler (method, decoded path,
// query, lower-case headers, body text).
import { afterEach, describe, expect, it } from 'vitest';
import { BYTES, type Echoed, Site } from './fixtures/handlers.js';
import { handlerProcesses, request, startRuntime, startServer, stopAll, tally, waitFor } from './support.js';

afterEach(stopAll);

async function site() {
  const runtime = await startRuntime();
  const server = await startServer({ runtime, handler: Site });
  return { runtime, server };
}

describe('responses', () => {
  it('status, headers and a string body reach the client', async () => {
    const { server } = await site();
    const reply = await request(server.port, '/teapot');
    expect(reply.status).toBe(418);
    expect(reply.headers['x-tea']).toBe('earl grey');
    expect(reply.headers['content-type']).toBe('text/plain');
    expect(reply.text).toBe("I'm a teapot\n");
  });

  it('a Uint8Array body reaches the client byte for byte', async () => {
    const { server } = await site();
    const reply = await request(server.port, '/bytes');
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['x-length']).toBe('256');
    expect(reply.body.length).toBe(256);
    expect(new Uint8Array(reply.body)).toEqual(BYTES);
  });

  it('a response without a status is 200; one without a body is empty', async () => {
    const { server } = await site();
    const plain = await request(server.port, '/default-status');
    expect(plain.status).toBe(200);
    expect(plain.headers['x-default']).toBe('yes');
    expect(plain.text).toBe('no status given');
    const empty = await request(server.port, '/empty');
    expect(empty.status).toBe(204);
    expect(empty.text).toBe('');
  });

  it('a path the handler does not know is the 404 the handler decides on', async () => {
    const { server } = await site();
    const reply = await request(server.port, '/nowhere/at%20all');
    expect(reply.status).toBe(404);
    expect(reply.text).toBe('no page at /nowhere/at all\n');
  });

  it('method, decoded path, query, lower-case headers and body text reach the handler', async () => {
    const { server } = await site();
    const body = 'héllo wörld — ✓';
    const url = '/echo/caf%C3%A9%20au%20lait?name=J%C3%BCrgen&x=1&x=2&empty=&plus=a+b';
    const reply = await request(server.port, url, {
      method: 'POST',
      headers: { 'X-Custom-Header': 'Some Value', 'Content-Type': 'text/plain; charset=utf-8' },
      body,
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-handled-by']).toBe('Site');
    const echoed = JSON.parse(reply.text) as Echoed;
    expect(echoed.method).toBe('POST');
    expect(echoed.url).toBe(url);
    expect(echoed.path).toBe('/echo/café au lait');
    // A repeated key keeps its last value; '+' is a space in a query.
    expect(echoed.query).toEqual({ name: 'Jürgen', x: '2', empty: '', plus: 'a b' });
    expect(echoed.headers['x-custom-header']).toBe('Some Value');
    expect(echoed.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(echoed.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(Object.keys(echoed.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(echoed.body).toBe(body);
    expect(echoed.id).toMatch(/^[\w-]{6,}$/);
  });

  it('a target starting with // is a path (or refused), never read as a host', async () => {
    const { server } = await site();
    // '//evil.example/echo' is a valid origin-form target (RFC 9112: absolute-path allows empty segments).
    const reply = await request(server.port, '//evil.example/echo?q=1');
    if (reply.status === 400) return;
    // Site answers 404 `no page at <path>` for it; echoing means the handler saw another path.
    expect(reply.status, `handler answered ${reply.text}`).toBe(404);
    expect(reply.text).toBe('no page at //evil.example/echo\n');
  });

  it('a request without a body gets an empty body; each request has its own id', async () => {
    const { server } = await site();
    const [a, b] = await Promise.all([request(server.port, '/echo'), request(server.port, '/echo', { method: 'DELETE' })]);
    const ea = JSON.parse(a!.text) as Echoed;
    const eb = JSON.parse(b!.text) as Echoed;
    expect(ea.method).toBe('GET');
    expect(eb.method).toBe('DELETE');
    expect(ea.body).toBe('');
    expect(ea.query).toEqual({});
    expect(ea.id).not.toBe(eb.id);
  });

  it('many concurrent requests each get their own answer, and no handler process outlives its request', async () => {
    const { runtime, server } = await site();
    const n = 40;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => request(server.port, `/echo/${i}?i=${i}`, { method: 'PUT', body: `body ${i}` })),
    );
    expect(tally(replies.map((r) => String(r.status)))).toEqual({ '200': n });
    replies.forEach((reply, i) => {
      const echoed = JSON.parse(reply.text) as Echoed;
      expect(echoed).toMatchObject({ method: 'PUT', path: `/echo/${i}`, query: { i: String(i) }, body: `body ${i}` });
    });
    expect(server.inFlight).toBe(0);
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
  });
});
