// The observer's commands (`strand-observer`, the same code as `strand ps …`), run as a
// child process against a live observer over a runtime with a supervision tree.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { formatPid, type Inbox, type Pid } from '@strand/core';
import type { Runtime } from '@strand/pool';
import { type Application, Strand } from '@strand/otp';
import { observe, type Observer } from '@strand/observer';
import { Relay, Runaway } from './fixtures/actors.js';
import { TREE_CHILDREN, TREE_FLAGS } from './fixtures/tree.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let app: Application;
let rt: Runtime;
let inbox: Inbox;
let observer: Observer;

beforeEach(async () => {
  app = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, handleSignals: false, flags: TREE_FLAGS, children: TREE_CHILDREN });
  rt = app.runtime;
  inbox = rt.inbox();
  observer = await observe(rt, { port: 0 });
});

afterEach(async () => {
  await observer.close();
  await app.stop();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args, ...(args.includes('--url') ? [] : ['--url', observer.url])]);
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

it('tree prints the supervision tree indented, and as JSON', async () => {
  const children = await app.whichChildren();
  const text = await cli('tree');
  expect(text.code).toBe(0);
  const lines = text.stdout.trimEnd().split('\n');
  expect(lines.slice(0, 2)).toEqual([
    `${formatPid(app.root)} strand.RootSupervisor one_for_one 10/60000ms`,
    `  cache ${formatPid(children[0]!.pid!)} Leaf worker permanent`,
  ]);
  expect(lines[2]).toBe(`  inner ${formatPid(children[1]!.pid!)} InnerSup supervisor permanent one_for_all 3/10000ms`);
  expect(lines[3]).toMatch(/^    a <\d+\.\d+\.\d+> Leaf worker permanent$/);
  expect(lines[4]).toMatch(/^    b <\d+\.\d+\.\d+> Leaf worker transient$/);
  expect(lines[5]).toMatch(/^\d+ other process(es)? outside the tree$/);
  const json = JSON.parse((await cli('tree', '--json')).stdout) as { roots: { pid: string; children: { id: string }[] }[] };
  expect(json.roots.map((r) => r.pid)).toEqual([formatPid(app.root)]);
  expect(json.roots[0]!.children.map((c) => c.id)).toEqual(['cache', 'inner']);
});

it('reload loads new code and prints the new generation; the tree keeps running', async () => {
  const before = await app.whichChildren();
  const reloaded = await cli('reload');
  expect(reloaded.code).toBe(0);
  expect(reloaded.stdout).toMatch(/^reloaded: generation 1 on schedulers \d+, \d+; draining 1, 2\n$/);
  expect(JSON.parse((await cli('reload', '--json')).stdout)).toMatchObject({ generation: 2 });
  expect(await app.whichChildren()).toEqual(before);
});

it('bad input: an unknown pid, a missing pid, an unknown command, an observer that is not there', async () => {
  const unknown = await cli('info', '<0.999999.0>');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^404: no live process/);
  const missing = await cli('kill');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/^kill: which process\?/);
  const wrong = await cli('frobnicate');
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/^unknown command "frobnicate"\nusage:\n {2}strand-observer ps /);
  const badOption = await cli('ps', '--colour');
  expect(badOption.code).toBe(2);
  expect(badOption.stderr).toContain("Unknown option '--colour'");
  const closed = await observe(rt, { port: 0 });
  const gone = closed.url;
  await closed.close();
  const unreachable = await cli('ps', '--url', gone);
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toBe(`cannot reach the observer at ${gone}: ECONNREFUSED\n`);
});
