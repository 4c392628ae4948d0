// GET /api/tree against a real two-level tree, strand_process_restarts_total counting a
// supervisor's restarts, strand_http_request_duration_seconds fed by serve's onRequestEnd,
// and POST /api/reload (an action: the token guards it).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPid, type Pid } from '@strand/core';
import { type HttpServer, router, serve } from '@strand/http';
import { type Application, type ChildInfo, Strand, SupervisorRequests, callFrom, unwrap } from '@strand/otp';
import { observe, type Observer } from '@strand/observer';
import { Leaf, TREE_CHILDREN, TREE_FLAGS } from './fixtures/tree.js';
import { Hello } from './fixtures/hello.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let app: Application;
let observer: Observer;

beforeEach(async () => {
  app = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, handleSignals: false, flags: TREE_FLAGS, children: TREE_CHILDREN });
  observer = await observe(app.runtime, { port: 0 });
});

afterEach(async () => {
  await observer.close();
  await app.stop();
});

async function api(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(observer.url + path, init);
  return { status: response.status, body: await response.json() };
}

async function metric(line: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${observer.url}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? undefined : Number(found.split(' ').pop());
}

const pidOf = (children: readonly ChildInfo[], id: string) => children.find((c) => c.id === id)!.pid!;

describe('GET /api/tree', () => {
  it('shows the root supervisor, its worker and its nested supervisor with their children, and counts the rest', async () => {
    const children = await app.whichChildren();
    const inner = pidOf(children, 'inner');
    app.runtime.spawn(Leaf); // a process under no supervisor
    const { status, body } = await api('/api/tree');
    expect(status).toBe(200);
    const innerChildren = body.roots[0].children[1].children as { id: string; pid: string }[];
    expect(body.roots).toEqual([
      {
        id: null,
        pid: formatPid(app.root),
        actor: 'strand.RootSupervisor',
        type: 'supervisor',
        restart: null,
        strategy: 'one_for_one',
        intensity: 10,
        period: 60_000,
        children: [
          { id: 'cache', pid: formatPid(pidOf(children, 'cache')), actor: 'Leaf', type: 'worker', restart: 'permanent' },
          {
            id: 'inner',
            pid: formatPid(inner),
            actor: 'InnerSup',
            type: 'supervisor',
            restart: 'permanent',
            strategy: 'one_for_all',
            intensity: 3,
            period: 10_000,
            children: [
              { id: 'a', pid: innerChildren[0]!.pid, actor: 'Leaf', type: 'worker', restart: 'permanent' },
              { id: 'b', pid: innerChildren[1]!.pid, actor: 'Leaf', type: 'worker', restart: 'transient' },
            ],
          },
        ],
      },
    ]);
    // The nested children are the live processes the inner supervisor started.
    for (const child of innerChildren) expect((await api(`/api/processes/${encodeURIComponent(child.pid)}`)).body.actor).toBe('Leaf');
    // At least the unsupervised Leaf and the application master; inboxes come and go.
    expect(body.unsupervised).toBeGreaterThanOrEqual(2);
  });

  it('shows a child that is not running with a null pid', async () => {
    const inner = pidOf(await app.whichChildren(), 'inner');
    const b = pidOf(unwrap<ChildInfo[]>(await callFrom(app.runtime, inner, SupervisorRequests.which())), 'b');
    // 'b' is transient: ended with 'shutdown', it stays down.
    const exited = app.runtime.awaitExit(b);
    app.runtime.exit(b, 'shutdown');
    expect(await exited).toBe('shutdown');
    let node: { pid: string | null } | undefined;
    do node = (await api('/api/tree')).body.roots[0].children[1].children[1];
    while (node!.pid !== null);
    expect(node).toEqual({ id: 'b', pid: null, actor: null, type: 'worker', restart: 'transient' });
  });
});

describe('strand_process_restarts_total', () => {
  it('counts each restart by supervisor: a child killed three times reads 3', async () => {
    let cache = pidOf(await app.whichChildren(), 'cache');
    for (let i = 0; i < 3; i++) {
      app.runtime.kill(cache);
      let next: Pid | undefined;
      do next = pidOf(await app.whichChildren(), 'cache');
      while (next === cache);
      cache = next;
    }
    const line = /^strand_process_restarts_total\{supervisor="strand\.RootSupervisor"\} /;
    let count: number | undefined;
    do count = await metric(line);
    while (count === undefined || count < 3);
    expect(count).toBe(3);
    expect(await metric(/^strand_process_restarts_total\{supervisor="InnerSup"\} /)).toBeUndefined();
  });
});

describe('strand_http_request_duration_seconds', () => {
  it('is fed by serve({ onRequestEnd: observer.recordHttpRequest }), labelled by method, route and status', async () => {
    const http: HttpServer = await serve({ runtime: app.runtime, routes: router().get('/hello/:name', Hello), onRequestEnd: observer.recordHttpRequest });
    try {
      expect(await (await fetch(`http://127.0.0.1:${http.port}/hello/ada`)).text()).toBe('hello ada');
      expect((await fetch(`http://127.0.0.1:${http.port}/nowhere`)).status).toBe(404);
      const ok = /^strand_http_request_duration_seconds_count\{method="GET",route="\/hello\/:name",status="200"\} /;
      const missing = /^strand_http_request_duration_seconds_count\{method="GET",route="",status="404"\} /;
      let counts: (number | undefined)[];
      do counts = [await metric(ok), await metric(missing)];
      while (counts.includes(undefined));
      expect(counts).toEqual([1, 1]);
    } finally {
      await http.stop(1_000);
    }
  });
});

describe('POST /api/reload', () => {
  it('reloads the runtime and answers the new generation; the tree keeps running', async () => {
    const before = await app.whichChildren();
    const { status, body } = await api('/api/reload', { method: 'POST' });
    expect(status).toBe(200);
    expect(body.generation).toBe(1);
    expect(body.schedulers).toHaveLength(2);
    expect(await app.whichChildren()).toEqual(before);
    expect((await api('/api/reload', { method: 'POST' })).body.generation).toBe(2);
  });

  it('needs the token when one is set', async () => {
    const guarded = await observe(app.runtime, { port: 0, token: 'sesame' });
    try {
      const refused = await fetch(`${guarded.url}/api/reload`, { method: 'POST' });
      expect(refused.status).toBe(401);
      const generations = async () => new Set((await app.runtime.stats()).map((t) => t.generation));
      expect(await generations()).toEqual(new Set([0]));
      const done = await fetch(`${guarded.url}/api/reload`, { method: 'POST', headers: { authorization: 'Bearer sesame' } });
      expect(done.status).toBe(200);
      expect(((await done.json()) as { generation: number }).generation).toBe(1);
    } finally {
      await guarded.close();
    }
  });
});
