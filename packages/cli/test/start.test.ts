// `strand start` as a user runs it: the bin in its own OS process, a
// TypeScript application module, JSON logs on stdout, signals by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = new URL('../dist/bin.js', import.meta.url).pathname;
const APP = new URL('./fixtures/app.ts', import.meta.url).pathname;
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
});

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** Starts `strand start …` and collects its JSON log lines. */
function strand(args: readonly string[]) {
  child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const part of parts) {
      if (part.trim() === '') continue;
      const line = JSON.parse(part) as LogLine;
      lines.push(line);
      for (const w of waiters.splice(0)) if (w.match(line)) w.resolve(line); else waiters.push(w);
    }
  });
  const proc = child;
  return {
    proc,
    lines,
    /** The first line `match` accepts; rejects, with every line seen, if none comes within the bound. */
    next(match: (l: LogLine) => boolean, boundMs = 60_000): Promise<LogLine> {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not logged within ${boundMs} ms; lines: ${JSON.stringify(lines.map((l) => l.msg))}; stderr: ${stderr.slice(-2000)}`)), boundMs);
        waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

describe('strand start', () => {
  it('runs a TypeScript application: its tree, its routes, health endpoints, JSON logs, reload and a graceful stop', async () => {
    const s = strand(['start', APP, '--schedulers', '2']);
    const listening = await s.next((l) => l.msg === 'listening');
    await s.next((l) => l.msg === 'ready');
    const base = `http://127.0.0.1:${listening.port as number}`;
    expect(await (await fetch(`${base}/next`)).text()).toBe('next 1\n');
    expect(await (await fetch(`${base}/next`)).text()).toBe('next 2\n');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    expect((await fetch(`${base}/crash`)).status).toBe(500);
    const crashed = await s.next((l) => l.msg === 'process crashed');
    expect(crashed).toMatchObject({ actor: 'Crash', level: 50 });
    expect(crashed.pid).toMatch(/^<\d+\.\d+\.\d+>$/);
    expect(crashed.ospid).toBeTypeOf('number');
    await s.next((l) => l.msg === 'request failed');

    s.proc.kill('SIGHUP');
    expect(await s.next((l) => l.msg === 'reloaded')).toMatchObject({ why: 'SIGHUP', generation: 1 });
    // The tree kept its state through the reload.
    expect(await (await fetch(`${base}/next`)).text()).toBe('next 3\n');

    const exited = once(s.proc, 'exit');
    s.proc.kill('SIGTERM');
    await s.next((l) => l.msg === 'stopped');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(s.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
  }, 180_000);

  it('refuses what it cannot run, saying why', async () => {
    const s = strand(['start', new URL('./fixtures/not-an-app.mjs', import.meta.url).pathname]);
    const [code] = await once(s.proc, 'exit');
    expect(code).toBe(1);
    expect(s.lines.at(-1)).toMatchObject({ msg: 'could not start', code: 'ERR_STRAND_INVALID_APP' });
  });
});
