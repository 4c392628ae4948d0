/**
 * The runaway demo: `GET /runaway` on the demo server (in its own OS
 * process, as `npm start` runs it) spawns a process that outlives its
 * request, linked to nothing, which the observer the demo starts lists and
 * kills. An observer port already taken costs the observer only. Asserts
 * outcomes, not speed.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, startDemo } from './demo-process.js';

/** How long the killed runaway may take to leave the process list, or the port-in-use line to arrive: outcome bounds on a loaded machine. */
const OUTCOME_MS = 30_000;
/** Pause between two looks at the process list while waiting for that. */
const POLL_MS = 100;
/** Outcome bound on a demo's start: it starts threads on a machine other programs load. */
const START_MS = 180_000;
const OBSERVER_LISTENING = /^observer on (http:\/\/127\.0\.0\.1:\d+)\//m;

describe('the runaway demo', () => {
  let demo: DemoProcess;
  let observer: string;

  beforeAll(async () => {
    demo = await startDemo([], (out) => OBSERVER_LISTENING.test(out));
    observer = OBSERVER_LISTENING.exec(demo.output())![1]!;
  }, START_MS);

  afterAll(async () => {
    // The shutdown closes the observer with the rest: a clean exit, not one forced by an open server.
    expect(await demo?.stop()).toBe(0);
  }, START_MS);

  async function processView(pid: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${observer}/api/processes/${encodeURIComponent(pid)}`);
    return { status: response.status, body: await response.json() };
  }

  it('the demo starts its observer, dashboard included', async () => {
    const page = await fetch(observer + '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Strand observer');
  });

  it('GET /runaway answers 202 with the pid of a process that outlives the request, linked to nothing, and the observer kills it', async () => {
    const started = await fetch(demo.base + '/runaway');
    expect(started.status).toBe(202);
    const pid = (await started.text()).trim();
    expect(pid).toMatch(/^<\d+\.\d+\.\d+>$/);

    // The request has been answered, so its process has ended: the runaway lives on by itself.
    const { status, body } = await processView(pid);
    expect(status).toBe(200);
    expect(body).toMatchObject({ pid, actor: 'Runaway', links: [], monitors: [], monitoredBy: [], mailboxLength: 0 });
    expect(['runnable', 'running']).toContain(body.status);

    const listed = (await (await fetch(`${observer}/api/processes?actor=Runaway`)).json()) as { pid: string }[];
    expect(listed.map((p) => p.pid)).toContain(pid);

    const killed = await fetch(`${observer}/api/processes/${encodeURIComponent(pid)}/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"reason":"kill"}',
    });
    expect(killed.status).toBe(200);
    expect(await killed.json()).toEqual({ pid, reason: 'kill' });

    const deadline = Date.now() + OUTCOME_MS;
    let after = await processView(pid);
    while (after.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      after = await processView(pid);
    }
    expect(after.status).toBe(404);

    // The rest of the demo carries on.
    const answer = await fetch(demo.base + '/factorial?n=20');
    expect(answer.status).toBe(200);
  });
});

describe('an observer port already taken', () => {
  it('costs the observer only: the demo says so on stderr, serves, and stops cleanly', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const demo = await startDemo([], undefined, { OBSERVER_PORT: String(port) });
      try {
        await expect.poll(() => demo.errors(), { timeout: OUTCOME_MS }).toContain(`observer not started: port ${port} is in use`);
        expect(demo.output()).not.toMatch(OBSERVER_LISTENING);
        const answer = await fetch(demo.base + '/factorial?n=5');
        expect([answer.status, JSON.parse(await answer.text()).value]).toEqual([200, '120']);
      } finally {
        expect(await demo.stop()).toBe(0);
      }
    } finally {
      taken.close();
    }
  }, START_MS);
});
