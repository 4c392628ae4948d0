// serve({ onRequestEnd }) is told once per request, after it is over, with the method,
// the route pattern, the status sent (500 for a crash, 404/405 without a process,
// 499 for a client that left) and the time it took.
import { afterEach, describe, expect, it } from 'vitest';
import { type RequestEnd, router } from '@strand/http';
import { Crashing, GetUser, Spin } from './fixtures/handlers.js';
import { handlerProcesses, request, startRuntime, startServer, stopAll, waitFor } from './support.js';

afterEach(stopAll);

const routes = () => router().get('/users/:id', GetUser).get('/crash', Crashing).get('/spin', Spin);

describe('onRequestEnd', () => {
  it('is told once per request, in order, with the route pattern and the status sent', async () => {
    const ends: RequestEnd[] = [];
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: routes(), onError: () => {}, onRequestEnd: (end) => ends.push(end) });
    const asked: [string, string, number][] = [
      ['GET', '/users/7', 200],
      ['GET', '/crash', 500],
      ['GET', '/nowhere', 404],
      ['DELETE', '/users/7', 405],
      ['HEAD', '/users/8', 200],
    ];
    for (const [i, [method, path, status]] of asked.entries()) {
      const reply = await request(server.port, path, { method });
      expect(reply.status).toBe(status);
      // The hook runs once the response is over, which the client may see first: wait for this request's call.
      expect(await waitFor(() => ends.length === i + 1)).toBe(true);
    }
    expect(ends.map(({ method, route, status }) => ({ method, route, status }))).toEqual([
      { method: 'GET', route: '/users/:id', status: 200 },
      { method: 'GET', route: '/crash', status: 500 },
      { method: 'GET', route: undefined, status: 404 },
      { method: 'DELETE', route: undefined, status: 405 },
      { method: 'HEAD', route: '/users/:id', status: 200 },
    ]);
    for (const end of ends) {
      expect(end.seconds).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(end.seconds)).toBe(true);
    }
  });

  it('reports 499 for a client that went away before its answer', async () => {
    const ends: RequestEnd[] = [];
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: routes(), onRequestEnd: (end) => ends.push(end) });
    const controller = new AbortController();
    const reply = request(server.port, '/spin', { signal: controller.signal }).catch((error: unknown) => error);
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 1, 20_000)).toBe(true);
    controller.abort();
    await reply;
    expect(await waitFor(() => ends.length === 1, 20_000)).toBe(true);
    expect(ends[0]).toMatchObject({ method: 'GET', route: '/spin', status: 499 });
  });

  it('a hook that throws changes nothing: the next request is answered and reported', async () => {
    let calls = 0;
    const runtime = await startRuntime();
    const server = await startServer({
      runtime,
      routes: routes(),
      onRequestEnd: () => {
        calls += 1;
        throw new Error('reporter broken');
      },
    });
    expect((await request(server.port, '/users/1')).status).toBe(200);
    expect((await request(server.port, '/users/2')).status).toBe(200);
    expect(await waitFor(() => calls === 2)).toBe(true);
  });
});
