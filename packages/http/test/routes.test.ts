// Routes: method and path pick the handler on the main thread; each request
// still runs in a process of its own; 404 and 405 spawn nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@strand/core';
import { InvalidRouteError, router, serve } from '@strand/http';
import { Crashing, CreateUser, Files, GetUser, Me, type Routed, Site } from './fixtures/handlers.js';
import { handlerProcesses, request, startRuntime, startServer, stopAll } from './support.js';

afterEach(stopAll);

function app() {
  return router()
    .get('/users/me', Me)
    .get('/users/:id', GetUser)
    .post('/users', CreateUser)
    .route(['GET', 'PUT'], '/files/*', Files)
    .get('/crash', Crashing);
}

const json = (text: string) => JSON.parse(text) as Routed;

describe('routes', () => {
  it('params reach the handler, decoded, and each request runs in a process of its own', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: app() });
    const [a, b] = await Promise.all([request(server.port, '/users/42'), request(server.port, '/users/ad%C3%A4?x=1')]);
    expect(a.status).toBe(200);
    expect(json(a.text)).toMatchObject({ route: 'GetUser', params: { id: '42' } });
    expect(json(b.text)).toMatchObject({ route: 'GetUser', params: { id: 'adä' } });
    expect(json(a.text).pid).not.toBe(json(b.text).pid);
    expect(await handlerProcesses(runtime)).toEqual([]);
  });

  it('a static segment wins over a parameter; methods pick their routes; wildcards take the rest', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: app() });
    expect(json((await request(server.port, '/users/me')).text).route).toBe('Me');
    const created = await request(server.port, '/users', { method: 'POST', body: '{"name":"Ada"}' });
    expect(json(created.text)).toMatchObject({ route: 'CreateUser', method: 'POST', body: '{"name":"Ada"}' });
    const file = json((await request(server.port, '/files/a/b/c.txt', { method: 'PUT', body: 'x' })).text);
    expect(file).toMatchObject({ route: 'Files', method: 'PUT', params: { '*': 'a/b/c.txt' } });
  });

  it('an unknown path is 404 and a known path with another method is 405 with Allow, and neither spawns a process', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: app() });
    // Reductions run on the worker schedulers: any handler process would add some.
    const workerReductions = async () => (await runtime.stats()).filter((s) => s.index !== 0).reduce((n, s) => n + s.reductions, 0);
    const before = await workerReductions();
    const missing = await request(server.port, '/nowhere');
    expect(missing.status).toBe(404);
    const wrong = await request(server.port, '/users/42', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD');
    const files = await request(server.port, '/files/x', { method: 'POST', body: '' });
    expect(files.headers.allow).toBe('GET, HEAD, PUT');
    expect(await workerReductions()).toBe(before);
    // While a request that matches does run a process there.
    expect((await request(server.port, '/users/42')).status).toBe(200);
    expect(await workerReductions()).toBeGreaterThan(before);
    expect(await handlerProcesses(runtime)).toEqual([]);
  });

  it('HEAD on a GET route runs the GET handler and answers its headers without the body', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: app() });
    const head = await request(server.port, '/users/7', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['x-route']).toBe('GetUser');
    expect(head.body.length).toBe(0);
  });

  it('a crash in one route answers that request 500; other routes go on answering', async () => {
    const runtime = await startRuntime();
    const errors: string[] = [];
    const server = await startServer({ runtime, routes: app(), onError: (r) => errors.push(r.request.path) });
    const [crashed, fine] = await Promise.all([request(server.port, '/crash'), request(server.port, '/users/1')]);
    expect(crashed.status).toBe(500);
    expect(fine.status).toBe(200);
    expect(errors).toEqual(['/crash']);
    expect((await request(server.port, '/users/2')).status).toBe(200);
  });

  it('bad routes and bad server configs are typed errors', async () => {
    expect(() => router().get('users', GetUser)).toThrow(InvalidRouteError);
    expect(() => router().get('/a', (() => undefined) as never)).toThrow(InvalidRouteError);
    expect(() => router().route('BREW' as never, '/pot', GetUser)).toThrow(InvalidRouteError);
    expect(() => router().get('/a', GetUser).get('/a', Me)).toThrow(/already declared|GET \/a/);
    expect(() => router().get('/a', GetUser).get('/a', Me)).toThrow(InvalidRouteError);
    const runtime = await startRuntime();
    await expect(serve({ runtime })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(serve({ runtime, handler: Site, routes: app() })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(serve({ runtime, routes: {} as never })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
