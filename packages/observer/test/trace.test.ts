// Tracing from outside: the observer streams a process's trace as server-sent
// events and `strand trace` prints it; bad input answers 4xx. A mailbox's
// oldest messages, from another thread. And the request
// guard: an action from another origin, or any request naming a host that is
// not loopback (DNS rebinding), is refused and changes nothing.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPid, type Inbox, type Pid } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { observe, type Observer } from '@strand/observer';
import { Relay } from './fixtures/actors.js';
import { Spinner } from './fixtures/spinner.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
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

async function relayOn(index: number): Promise<Pid> {
  const pid = rt.spawnOn(index, Relay, inbox.pid);
  await inbox.receive((m) => (m as { ready?: number }).ready === pid, 20_000);
  return pid;
}

/** The `data` of each event of an event stream, until it ends. */
async function readEvents(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Record<string, unknown>);
}

/** A raw request, so that Host and Origin can be anything. */
function raw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: observer.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('trace over HTTP', () => {
  it('streams what the process receives and sends, then an end at the limit', async () => {
    const relay = await relayOn(1);
    const response = await fetch(`${observer.url}/api/processes/${relay}/trace?limit=4`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    // The trace was asked for before the stream opened: these come after it, on the same path.
    rt.send(relay, { n: 1, big: 10n });
    rt.send(relay, { n: 2 });
    const events = await readEvents(response);
    // 'receive' is traced on arrival in the mailbox: both may arrive before the relay's first send.
    const seen = events.map((e) => `${String(e.event)} ${JSON.stringify(e.event === 'send' ? (e.message as { got: unknown }).got : e.message)}`);
    expect(seen.slice(0, 4).sort()).toEqual(['receive {"n":1,"big":"10n"}', 'receive {"n":2}', 'send {"n":1,"big":"10n"}', 'send {"n":2}']);
    for (const n of ['{"n":1,"big":"10n"}', '{"n":2}']) expect(seen.indexOf(`receive ${n}`)).toBeLessThan(seen.indexOf(`send ${n}`));
    expect(seen.indexOf('receive {"n":1,"big":"10n"}')).toBeLessThan(seen.indexOf('receive {"n":2}'));
    expect(new Set(events.map((e) => e.pid))).toEqual(new Set([formatPid(relay)]));
    expect(events.find((e) => e.event === 'send')).toMatchObject({ to: formatPid(inbox.pid), id: relay });
    expect(events[4]).toMatchObject({ event: 'end', reason: 'limit' });
    expect(events).toHaveLength(5);
  });

  it('strand-observer trace prints the events as JSON lines and ends with the trace', async () => {
    const relay = await relayOn(2);
    const cli = promisify(execFile)(process.execPath, [BIN, 'trace', formatPid(relay), '--limit', '2', '--json', '--url', observer.url]);
    let done = false;
    void cli.finally(() => (done = true));
    // The CLI starts the trace when it connects: messages until it has seen its two events.
    for (let i = 0; i < 300 && !done; i++) {
      rt.send(relay, { i });
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines = (await cli).stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; pid: string });
    // Messages are flowing when the trace starts: its two events are of either kind, then the end.
    expect(lines.map((l) => l.event)).toHaveLength(3);
    for (const line of lines.slice(0, 2)) expect(['receive', 'send']).toContain(line.event);
    expect(lines[2]!.event).toBe('end');
    expect(new Set(lines.map((l) => l.pid))).toEqual(new Set([formatPid(relay)]));
  });

  it('an unknown pid is 404 and a bad limit 400; the runtime keeps running', async () => {
    const relay = await relayOn(1);
    expect((await fetch(`${observer.url}/api/processes/999999999/trace`)).status).toBe(404);
    for (const limit of ['0', 'abc', '100000']) {
      expect((await fetch(`${observer.url}/api/processes/${relay}/trace?limit=${limit}`)).status).toBe(400);
    }
    rt.send(relay, 'still here');
    expect(await inbox.receive((m) => (m as { by?: number }).by === relay, 20_000)).toEqual({ got: 'still here', by: relay });
  });
});

describe('mailbox preview', () => {
  it('shows the oldest waiting messages of a process on another thread, in order; bad input is 4xx', async () => {
    const spinner = rt.spawnOn(2, Spinner, inbox.pid);
    await inbox.receive((m) => (m as { ready?: number }).ready === spinner, 20_000);
    for (const n of [1, 2, 3]) rt.send(spinner, { n, big: BigInt(n) });
    const response = await fetch(`${observer.url}/api/processes/${spinner}/mailbox?limit=2`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pid: formatPid(spinner), mailboxLength: 3, messages: [{ n: 1, big: '1n' }, { n: 2, big: '2n' }] });
    expect((await fetch(`${observer.url}/api/processes/${spinner}/mailbox?limit=0`)).status).toBe(400);
    expect((await fetch(`${observer.url}/api/processes/999999999/mailbox`)).status).toBe(404);
    rt.kill(spinner);
  });
});

describe('request guard', () => {
  it('refuses an action from another origin, and leaves the process alive', async () => {
    const relay = await relayOn(1);
    const crossSite = await raw('POST', `/api/processes/${relay}/kill`, { origin: 'http://evil.example', host: `127.0.0.1:${observer.port}` });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body).error).toMatch(/another origin/);
    expect((await rt.processInfo(relay))?.actor).toBe('Relay');
    const sameSite = await raw('POST', `/api/processes/${relay}/kill`, { origin: `http://127.0.0.1:${observer.port}`, host: `127.0.0.1:${observer.port}` });
    expect(sameSite.status).toBe(200);
  });

  it('refuses a request naming a host that is not loopback (DNS rebinding), reads included', async () => {
    const rebound = await raw('GET', '/api/schedulers', { host: `evil.example:${observer.port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toMatch(/not a loopback/);
    for (const host of [`localhost:${observer.port}`, `[::1]:${observer.port}`]) {
      expect((await raw('GET', '/api/schedulers', { host })).status).toBe(200);
    }
  });
});
