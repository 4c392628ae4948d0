// The strand-observer CLI, run as a child process against a live observer.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { formatPid, type Inbox, type Pid } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { observe, type Observer } from '@strand/observer';
import { Relay, Runaway } from './fixtures/actors.js';

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

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args, '--url', observer.url]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function started(pid: Pid): Promise<Pid> {
  await inbox.receive((m) => (m as { ready?: number }).ready === pid, 20_000);
  return pid;
}

it('ps lists processes as a table and as JSON', async () => {
  const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
  const text = await cli('ps');
  expect(text.code).toBe(0);
  expect(text.stdout.split('\n')[0]).toMatch(/^PID\s+ACTOR/);
  expect(text.stdout).toContain(formatPid(relay));
  const json = JSON.parse((await cli('ps', '--json')).stdout) as { pid: string }[];
  expect(json.map((p) => p.pid)).toContain(formatPid(relay));
});

it('top prints the bounded number of refreshes, the runaway among them', async () => {
  const runaway = await started(rt.spawnOn(2, Runaway, inbox.pid));
  const { code, stdout } = await cli('top', '--iterations', '2', '--json');
  expect(code).toBe(0);
  const frames = stdout.trim().split('\n').map((l) => JSON.parse(l) as { pid: string }[]);
  expect(frames).toHaveLength(2);
  for (const frame of frames) expect(frame.map((p) => p.pid)).toContain(formatPid(runaway));
});

it('info shows one process; kill ends it with the reason; both fail clearly on a bad pid', async () => {
  const runaway = await started(rt.spawnOn(1, Runaway, inbox.pid));
  const info = JSON.parse((await cli('info', formatPid(runaway), '--json')).stdout) as { actor: string };
  expect(info.actor).toBe('Runaway');
  const exited = rt.awaitExit(runaway);
  const killed = await cli('kill', formatPid(runaway), 'shutdown');
  expect(killed).toMatchObject({ code: 0, stdout: `killed ${formatPid(runaway)}\n` });
  expect(await exited).toBe('shutdown');
  const gone = await cli('info', formatPid(runaway));
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/^404: no live process/);
  expect((await cli('kill', 'nonsense')).stderr).toMatch(/^400: not a pid/);
});
