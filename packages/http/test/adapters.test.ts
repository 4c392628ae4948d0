// A Strand handler as one route of an existing application: Express through
// the Node adapter, Hono through the fetch adapter. The framework's own
// routes keep working; the Strand route runs each request in a process.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_CLOSED_REQUEST, strandFetch, strandHandler } from '@strand/http';
import type { Runtime } from '@strand/pool';
import { Crashing, GetUser, type Routed, Spin } from './fixtures/handlers.js';
import { handlerProcesses, request, startRuntime, stopAll, waitFor } from './support.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await stopAll();
});

async function listen(app: express.Express): Promise<number> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  server.closeIdleConnections();
  return (server.address() as AddressInfo).port;
}

describe('Express, through the Node adapter', () => {
  async function expressApp(runtime: Runtime) {
    const users = strandHandler(runtime, GetUser);
    const crash = strandHandler(runtime, Crashing, { onError: () => {} });
    closers.push(() => users.stop(100), () => crash.stop(100));
    const app = express();
    app.get('/health', (_req, res) => {
      res.send('express ok');
    });
    app.get('/users/:id', users);
    app.get('/crash', crash);
    return listen(app);
  }

  it('serves one route of theirs with a Strand process, params included, beside their own routes', async () => {
    const runtime = await startRuntime();
    const port = await expressApp(runtime);
    const [a, b] = await Promise.all([request(port, '/users/7'), request(port, '/users/8')]);
    expect(JSON.parse(a.text)).toMatchObject({ route: 'GetUser', params: { id: '7' } });
    expect(JSON.parse(b.text)).toMatchObject({ route: 'GetUser', params: { id: '8' } });
    expect((JSON.parse(a.text) as Routed).pid).not.toBe((JSON.parse(b.text) as Routed).pid);
    expect((await request(port, '/health')).text).toBe('express ok');
  });

  it('a crash answers that request 500 and the application goes on', async () => {
    const runtime = await startRuntime();
    const port = await expressApp(runtime);
    const crashed = await request(port, '/crash');
    expect(crashed.status).toBe(500);
    expect(crashed.text).toMatch(/^internal error /);
    expect((await request(port, '/users/1')).status).toBe(200);
    expect((await request(port, '/health')).status).toBe(200);
  });

  it('a client that goes away kills its process', async () => {
    const runtime = await startRuntime();
    const spin = strandHandler(runtime, Spin);
    closers.push(() => spin.stop(100));
    const app = express();
    app.get('/spin', spin);
    const port = await listen(app);
    const controller = new AbortController();
    const pending = request(port, '/spin', { signal: controller.signal }).catch(() => 'aborted');
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 1)).toBe(true);
    controller.abort();
    expect(await pending).toBe('aborted');
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 0)).toBe(true);
  });
});

describe('Hono, through the fetch adapter', () => {
  function honoApp(runtime: Runtime) {
    const users = strandFetch(runtime, GetUser);
    const crash = strandFetch(runtime, Crashing, { onError: () => {} });
    closers.push(() => users.stop(100), () => crash.stop(100));
    const app = new Hono();
    app.get('/health', (c) => c.text('hono ok'));
    app.get('/users/:id', (c) => users(c.req.raw, c.req.param()));
    app.get('/crash', (c) => crash(c.req.raw));
    return app;
  }

  it('serves one route of theirs with a Strand process, params included, beside their own routes', async () => {
    const runtime = await startRuntime();
    const app = honoApp(runtime);
    const [a, b] = await Promise.all([app.request('http://127.0.0.1/users/7'), app.request('http://127.0.0.1/users/8')]);
    expect(a.status).toBe(200);
    const [ja, jb] = [(await a.json()) as Routed, (await b.json()) as Routed];
    expect(ja).toMatchObject({ route: 'GetUser', params: { id: '7' } });
    expect(jb).toMatchObject({ route: 'GetUser', params: { id: '8' } });
    expect(ja.pid).not.toBe(jb.pid);
    expect(await (await app.request('http://127.0.0.1/health')).text()).toBe('hono ok');
  });

  it('a crash answers that request 500; HEAD answers headers only', async () => {
    const runtime = await startRuntime();
    const app = honoApp(runtime);
    expect((await app.request('http://127.0.0.1/crash')).status).toBe(500);
    const head = await app.request('http://127.0.0.1/users/3', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-route')).toBe('GetUser');
    expect(await head.text()).toBe('');
  });

  it('an aborted request kills its process and answers 499', async () => {
    const runtime = await startRuntime();
    const spin = strandFetch(runtime, Spin);
    closers.push(() => spin.stop(100));
    const controller = new AbortController();
    const answer = spin(new Request('http://127.0.0.1/spin', { signal: controller.signal }));
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 1)).toBe(true);
    controller.abort();
    expect((await answer).status).toBe(CLIENT_CLOSED_REQUEST);
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 0)).toBe(true);
  });
});
