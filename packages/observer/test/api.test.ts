// The observer's JSON API against a live runtime: listing, sorting, filtering, one
// process, kill and send, the scheduler sample and its event stream; bad input
// answers a clear 4xx and leaves the runtime running; a token guards an exposed observer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPid, type Inbox, type Pid } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { observe, ObserverExposedError, type Observer } from '@strand/observer';
import { Relay, Runaway } from './fixtures/actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime;
let inbox: Inbox;
let observer: Observer;

beforeEach(async () => {
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
  inbox = rt.inbox();
  observer = await observe(rt, { port: 0 });
});

afterEach(async () => {
  await observer.close();
  await rt.stop();
});

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

async function started(actorPid: Pid): Promise<Pid> {
  expect(await inbox.receive((m) => isObject(m) && m.ready === actorPid, 20_000)).toEqual({ ready: actorPid });
  return actorPid;
}

async function api(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(observer.url + path, init);
  return { status: response.status, body: await response.json() };
}

const post = (path: string, body: unknown) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('observer API', () => {
  it('GET /api/schedulers reports the main thread and each worker scheduler, in index order', async () => {
    const { status, body } = await api('/api/schedulers');
    expect(status).toBe(200);
    expect(body.schedulers.map((s: { index: number }) => s.index)).toEqual([0, 1, 2]);
    for (const s of body.schedulers) {
      expect(s.utilisation).toBeGreaterThanOrEqual(0);
      expect(s.utilisation).toBeLessThanOrEqual(1);
      expect(s.heapUsed).toBeGreaterThan(0);
    }
    expect(body.processes).toBe(body.schedulers.reduce((n: number, s: { processes: number }) => n + s.processes, 0));
  });

  it('GET /api/processes lists processes with display pids, filters by actor and puts the runaway first by reductions', async () => {
    const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
    const runaway = await started(rt.spawnOn(2, Runaway, inbox.pid));
    // The runaway keeps counting; the relay only counts what it received: wait until the runaway leads.
    let top: any;
    do {
      top = (await api('/api/processes?sort=reductions&limit=1')).body;
    } while (top[0].pid !== formatPid(runaway));
    expect(top).toHaveLength(1);
    expect(top[0]).toMatchObject({ id: runaway, actor: 'Runaway' });

    const relays = (await api('/api/processes?actor=Relay')).body;
    expect(relays.map((p: { pid: string }) => p.pid)).toEqual([formatPid(relay)]);
    expect(relays[0]).toMatchObject({ status: 'waiting', waitingIn: 'receive', mailboxLength: 0 });

    for (const sort of ['mailbox', 'cpu', 'age']) expect((await api(`/api/processes?sort=${sort}`)).status).toBe(200);
  });

  it('filters by registered name', async () => {
    const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
    rt.register('the-relay', relay);
    const named = (await api('/api/processes?name=the-relay')).body;
    expect(named.map((p: { pid: string }) => p.pid)).toEqual([formatPid(relay)]);
    expect(named[0].registeredName).toBe('the-relay');
  });

  it('GET /api/processes/:pid answers the same process for its display form and its number', async () => {
    const relay = await started(rt.spawnOn(2, Relay, inbox.pid));
    const byText = await api(`/api/processes/${encodeURIComponent(formatPid(relay))}`);
    const byNumber = await api(`/api/processes/${relay}`);
    expect(byText.status).toBe(200);
    expect(byText.body).toMatchObject({ pid: formatPid(relay), id: relay, actor: 'Relay', trapExit: false });
    expect(byNumber.body.pid).toBe(byText.body.pid);
  });

  it('POST /api/processes/:pid/send delivers the JSON message to the process', async () => {
    const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
    const { status, body } = await post(`/api/processes/${relay}/send`, { message: { hello: ['world', 1] } });
    expect(status).toBe(200);
    expect(body).toEqual({ pid: formatPid(relay), sent: true });
    expect(await inbox.receive((m) => isObject(m) && m.by === relay, 20_000)).toEqual({ got: { hello: ['world', 1] }, by: relay });
  });

  it('POST /api/processes/:pid/kill ends the process with the given reason, and it is gone afterwards', async () => {
    const runaway = await started(rt.spawnOn(2, Runaway, inbox.pid));
    const exited = rt.awaitExit(runaway);
    const { status, body } = await post(`/api/processes/${encodeURIComponent(formatPid(runaway))}/kill`, { reason: { shutdown: 'observer' } });
    expect(status).toBe(200);
    expect(body).toEqual({ pid: formatPid(runaway), reason: { shutdown: 'observer' } });
    expect(await exited).toEqual({ shutdown: 'observer' });
    expect((await api(`/api/processes/${runaway}`)).status).toBe(404);
  });

  it('kill without a reason kills (reason "killed")', async () => {
    const runaway = await started(rt.spawnOn(1, Runaway, inbox.pid));
    const exited = rt.awaitExit(runaway);
    expect((await post(`/api/processes/${runaway}/kill`, {})).status).toBe(200);
    expect(await exited).toBe('killed');
  });

  it('GET /api/events streams samples with per-scheduler figures and the main event loop', async () => {
    const controller = new AbortController();
    const response = await fetch(observer.url + '/api/events', { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const [event, data] = text.split('\n');
    expect(event).toBe('event: sample');
    const sample = JSON.parse(data!.slice('data: '.length));
    expect(sample.schedulers.map((s: { index: number }) => s.index)).toEqual([0, 1, 2]);
    expect(sample.mainEventLoop).toBeGreaterThanOrEqual(0);
    expect(sample.mainEventLoop).toBeLessThanOrEqual(1);
  });
});

describe('bad input', () => {
  it('answers 404 for an unknown pid, 400 for a malformed pid, reason or body, and the runtime keeps running', async () => {
    const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
    const unknown = `<1.999999.1>`;
    expect((await api(`/api/processes/${encodeURIComponent(unknown)}`)).status).toBe(404);
    expect((await post(`/api/processes/${encodeURIComponent(unknown)}/kill`, {})).status).toBe(404);
    const malformed = await api('/api/processes/not-a-pid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/not a pid/);
    expect((await api(`/api/processes/${encodeURIComponent('<64.1.0>')}`)).status).toBe(400);
    const badReason = await post(`/api/processes/${relay}/kill`, { reason: 'boom' });
    expect(badReason.status).toBe(400);
    expect(badReason.body.error).toMatch(/reason must be/);
    expect((await post(`/api/processes/${relay}/kill`, { reason: { error: 'x' } })).status).toBe(400);
    expect((await api(`/api/processes/${relay}/kill`, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await post(`/api/processes/${relay}/send`, { nothing: 1 })).status).toBe(400);
    expect((await api('/api/processes?sort=size')).status).toBe(400);
    expect((await api('/api/processes?limit=-1')).status).toBe(400);
    expect((await api('/api/nothing')).status).toBe(404);
    // The relay survived every bad request and still answers.
    rt.send(relay, 'still there');
    expect(await inbox.receive((m) => isObject(m) && m.by === relay, 20_000)).toEqual({ got: 'still there', by: relay });
  });
});

describe('token', () => {
  it('refuses to bind beyond loopback without a token, with a typed error', async () => {
    await expect(observe(rt, { port: 0, host: '0.0.0.0' })).rejects.toBeInstanceOf(ObserverExposedError);
  });

  it('with a token, every request needs it: missing or wrong is 401 and kills nothing', async () => {
    const guarded = await observe(rt, { port: 0, token: 'sesame' });
    try {
      const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
      expect((await fetch(guarded.url + '/api/processes')).status).toBe(401);
      const wrong = await fetch(guarded.url + `/api/processes/${relay}/kill`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect((await rt.processInfo(relay))?.actor).toBe('Relay');
      const right = await fetch(guarded.url + '/api/processes?actor=Relay', { headers: { authorization: 'Bearer sesame' } });
      expect(right.status).toBe(200);
      expect(((await right.json()) as { id: number }[]).map((p) => p.id)).toEqual([relay]);
    } finally {
      await guarded.close();
    }
  });
});
