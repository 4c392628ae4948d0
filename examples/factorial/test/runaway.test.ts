/**
 * The runaway demo: `GET /runaway` on the demo server (started as `npm start`
 * starts it, in its own OS process) spawns a process that outlives its
 * request, linked to nothing, which the observer the demo starts lists and
 * kills. Asserts outcomes, not speed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** How long the killed runaway may take to leave the process list: an outcome bound on a loaded machine. */
const GONE_WITHIN_MS = 30_000;
/** Pause between two looks at the process list while waiting for that. */
const POLL_MS = 100;

let server: ChildProcess;
let demo: string;
let observer: string;

beforeAll(async () => {
  server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, PORT: '0', OBSERVER_PORT: '0', SCHEDULERS: '2', THREAD_HEAP_MB: '256' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  for await (const chunk of server.stdout!) {
    out += String(chunk);
    const demoPort = /factorial demo on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
    const observerPort = /observer on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
    if (demoPort !== undefined && observerPort !== undefined) {
      demo = `http://127.0.0.1:${demoPort}`;
      observer = `http://127.0.0.1:${observerPort}`;
      break;
    }
  }
  expect(observer, `the demo did not say where its observer listens: ${out}`).toBeDefined();
}, 180_000);

afterAll(async () => {
  if (server.exitCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  const [code] = await exited;
  // The shutdown closes the observer with the rest: a clean exit, not one forced by an open server.
  expect(code).toBe(0);
});

async function processView(pid: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${observer}/api/processes/${encodeURIComponent(pid)}`);
  return { status: response.status, body: await response.json() };
}

describe('the runaway demo', () => {
  it('the demo starts its observer, dashboard included', async () => {
    const page = await fetch(observer + '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Strand observer');
  });

  it('GET /runaway answers 202 with the pid of a process that outlives the request, linked to nothing, and the observer kills it', async () => {
    const started = await fetch(demo + '/runaway');
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

    const deadline = Date.now() + GONE_WITHIN_MS;
    let after = await processView(pid);
    while (after.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      after = await processView(pid);
    }
    expect(after.status).toBe(404);

    // The rest of the demo carries on.
    const answer = await fetch(demo + '/factorial?n=20');
    expect(answer.status).toBe(200);
  });
});
