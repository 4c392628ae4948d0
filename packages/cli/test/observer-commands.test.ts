// `strand ps|top|info|kill|tree|reload`: the bin, in its own OS process, forwards to the
// observer's commands, against a live application with an observer; bad input exits 1
// (an error from the observer) or 2 (usage).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPid } from '@strand/core';
import { type Application, Strand } from '@strand/otp';
import { observe, type Observer } from '@strand/observer';
import { Idle, IdleSup } from './fixtures/observed.js';

const PRELOAD = new URL('../../pool/test/fixtures/register-tsx.mjs', import.meta.url).href;
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** The repository root, where `npx strand` finds the workspace's bin link. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let app: Application;
let observer: Observer;

// One application for the suite: each test reads or changes a different part of it.
beforeAll(async () => {
  app = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, handleSignals: false, children: [{ id: 'sup', start: { actor: IdleSup, args: [] } }] });
  observer = await observe(app.runtime, { port: 0, token: 'sesame' });
});

afterAll(async () => {
  await observer?.close();
  await app?.stop();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(file: string, args: readonly string[], cwd?: string): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `strand <args> --url <observer> --token sesame`. */
const strand = (...args: string[]) => run(process.execPath, [BIN, ...args, '--url', observer.url, '--token', 'sesame']);

describe('strand, the observer commands', () => {
  it('ps lists the processes; so does `npx strand ps` from the repository root', async () => {
    const worker = (await app.whichChildren())[0]!.pid!;
    const ps = await strand('ps');
    expect(ps.code).toBe(0);
    expect(ps.stdout.split('\n')[0]).toMatch(/^PID\s+ACTOR/);
    expect(ps.stdout).toContain(formatPid(worker));
    const npx = await run('npx', ['--no-install', 'strand', 'ps', '--json', '--url', observer.url, '--token', 'sesame'], ROOT);
    expect(npx.code).toBe(0);
    expect((JSON.parse(npx.stdout) as { pid: string }[]).map((p) => p.pid)).toContain(formatPid(worker));
  });

  it('top prints the given number of frames', async () => {
    const top = await strand('top', '--iterations', '2', '--json');
    expect(top.code).toBe(0);
    expect(top.stdout.trim().split('\n').map((l) => (JSON.parse(l) as unknown[]).length > 0)).toEqual([true, true]);
  });

  it('tree shows the supervision tree', async () => {
    const sup = (await app.whichChildren())[0]!.pid!;
    const tree = await strand('tree');
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain(`  sup ${formatPid(sup)} IdleSup supervisor permanent rest_for_one 5/10000ms\n    idle <`);
  });

  it('info and kill act on one process', async () => {
    const pid = app.runtime.spawn(Idle);
    expect(JSON.parse((await strand('info', formatPid(pid), '--json')).stdout)).toMatchObject({ pid: formatPid(pid), actor: 'Idle' });
    const exited = app.runtime.awaitExit(pid);
    expect(await strand('kill', formatPid(pid), 'shutdown')).toMatchObject({ code: 0, stdout: `killed ${formatPid(pid)}\n` });
    expect(await exited).toBe('shutdown');
  });

  it('reload loads new code: a new generation', async () => {
    const reload = await strand('reload');
    expect(reload.code).toBe(0);
    expect(reload.stdout).toMatch(/^reloaded: generation 1 on schedulers \d+, \d+; draining 1, 2\n$/);
  });

  it('bad input: an unknown pid exits 1 with the message; a wrong token 1; an unknown command prints the usage', async () => {
    const unknown = await strand('info', '<0.999999.0>');
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^404: no live process/);
    const refused = await run(process.execPath, [BIN, 'ps', '--url', observer.url, '--token', 'wrong']);
    expect(refused).toMatchObject({ code: 1, stderr: '401: missing or wrong bearer token\n' });
    const usage = await run(process.execPath, [BIN, 'frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toMatch(/^usage:\n {2}strand start /);
    for (const command of ['ps', 'top', 'info', 'kill', 'tree', 'reload']) expect(usage.stdout).toContain(`  strand ${command} `);
  });
});
