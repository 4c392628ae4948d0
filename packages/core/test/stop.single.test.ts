import { execFile, spawn as spawnChild } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, StoppedError, type Pid } from '@strand/core';
import { Agent, Blocked, Spinner, TimerHolder, TrappingWaiter, ask } from './fixtures/faults.js';

// Single-thread only: Scheduler.stop() itself (stats, timers, StoppedError), and child
// `node` processes running the built package.

let scheduler: Scheduler;
afterEach(() => scheduler?.stop());

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/stop-child.mjs', import.meta.url));

/** How long the child `node` may take to start, stop its scheduler and exit by itself: a hang bound, far above what even a loaded machine needs. */
const EXIT_BOUND_MS = 20_000;

interface ChildResult {
  readonly exited: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the child script; kills it (exited: false) if it is still alive after EXIT_BOUND_MS. */
function runChild(...args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let exited = true;
    const guard = setTimeout(() => {
      exited = false;
      child.kill('SIGKILL');
    }, EXIT_BOUND_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ exited, code, stdout, stderr });
    });
  });
}

describe('Scheduler.stop()', () => {
  it("ends every process with 'shutdown': runnable, waiting, sleeping and trapping ones", async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    const inbox = scheduler.inbox();
    const spinner = scheduler.spawn(Spinner);
    const blocked = scheduler.spawn(Blocked);
    const sleeper = scheduler.spawn(TimerHolder, 60_000);
    const trapper = scheduler.spawn(TrappingWaiter, inbox.pid);
    expect(await inbox.receive()).toEqual({ ready: trapper });
    // A trapping process linked to others, so that it also gets their EXITs while stopping.
    const linkedTrapper = scheduler.spawn(Agent, inbox.pid);
    await ask(scheduler, inbox, linkedTrapper, { op: 'trap', on: true });
    await ask(scheduler, inbox, linkedTrapper, { op: 'link', pid: spinner });
    await ask(scheduler, inbox, linkedTrapper, { op: 'link', pid: blocked });

    expect(scheduler.processInfo(spinner)!.status).toBe('runnable');
    expect(scheduler.processInfo(blocked)!.status).toBe('waiting');
    expect(scheduler.processInfo(sleeper)!.status).toBe('waiting');
    expect(scheduler.processInfo(trapper)!.trapExit).toBe(true);

    const pids: Pid[] = [inbox.pid, spinner, blocked, sleeper, trapper, linkedTrapper];
    const exits = Promise.all(pids.map((pid) => scheduler.awaitExit(pid)));
    await scheduler.stop();
    expect(await exits).toEqual(pids.map(() => 'shutdown'));
    expect(scheduler.processes()).toEqual([]);
    expect(scheduler.stats).toMatchObject({ processes: 0, runQueue: 0, timers: 0 });
  });

  it('cancels timers', async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    const holder = scheduler.spawn(TimerHolder, 60_000);
    const inbox = scheduler.inbox();
    scheduler.sendAfter(60_000, inbox.pid, 'never');
    // Let the holder run up to its sleep: a process spawned later has run once the inbox got this.
    scheduler.send(inbox.pid, 'sync');
    expect(await inbox.receive()).toBe('sync');
    expect(scheduler.processInfo(holder)!.status).toBe('waiting');
    expect(scheduler.stats.timers).toBe(3); // sendAfter and sleep in the holder, sendAfter from plain code
    await scheduler.stop();
    expect(scheduler.stats.timers).toBe(0);
  });

  it('makes spawn, sendAfter and inbox throw StoppedError afterwards', async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    const pid = scheduler.spawn(Blocked);
    await scheduler.stop();
    expect(() => scheduler.spawn(Spinner)).toThrow(StoppedError);
    expect(() => scheduler.spawn(Spinner)).toThrow(expect.objectContaining({ code: 'ERR_STRAND_STOPPED' }));
    expect(() => scheduler.sendAfter(10, pid, 'x')).toThrow(StoppedError);
    expect(() => scheduler.inbox()).toThrow(StoppedError);
    expect(scheduler.processes()).toEqual([]);
    // A second stop is harmless.
    await scheduler.stop();
  });

  describe('does not keep the Node process alive', () => {
    beforeAll(async () => {
      // The child runs the built package: build it from the current sources.
      await promisify(execFile)('npx', ['tsc', '-b'], { cwd: packageDir });
    }, 120_000);

    it('a program whose processes hold timers exits by itself once it stopped the scheduler', async () => {
      const result = await runChild();
      expect(result.stderr).toBe('');
      expect(result.exited).toBe(true);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { reasons: unknown[]; timersBefore: number; stats: { timers: number; processes: number } };
      expect(report.reasons).toEqual(['shutdown', 'shutdown', 'shutdown', 'shutdown', 'shutdown']);
      expect(report.timersBefore).toBe(4); // a sleep, a receive timeout and two sendAfters
      expect(report.stats).toMatchObject({ timers: 0, processes: 0 });
    }, EXIT_BOUND_MS + 10_000);

    it('exits by itself even with an inbox receive (with a timeout) still pending at stop', async () => {
      const result = await runChild('inbox-wait');
      expect(result.stderr).toBe('');
      expect(result.exited).toBe(true);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { reasons: unknown[] };
      expect(report.reasons).toEqual(['shutdown', 'shutdown', 'shutdown', 'shutdown', 'shutdown']);
    }, EXIT_BOUND_MS + 10_000);
  });
});
