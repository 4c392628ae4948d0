// The control plane: listing processes of every scheduler, asking about and
// killing a process on another thread, per-scheduler stats, and no leak of
// listeners however often it is asked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Inbox, InvalidOptionError, type Pid } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand } from '@strand/pool';
import { Echo, type Reply, Trapper } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime;
let inbox: Inbox;

beforeEach(async () => {
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
  inbox = rt.inbox();
});

afterEach(async () => {
  await rt.stop();
});

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

/** Spawns an Echo on `index` and waits for a reply, so that it certainly exists there. */
async function echoOn(index: number): Promise<Pid> {
  const pid = rt.spawnOn(index, Echo);
  rt.send(pid, { from: inbox.pid, body: 'up' });
  expect(await inbox.receive((m) => isObject(m) && (m as unknown as Reply).by === pid, 10_000)).toEqual({ echo: 'up', by: pid });
  return pid;
}

async function trapperOn(index: number): Promise<Pid> {
  const pid = rt.spawnOn(index, Trapper, inbox.pid);
  expect(await inbox.receive((m) => isObject(m) && m.ready === pid, 10_000)).toEqual({ ready: pid });
  return pid;
}

/** 'message' listeners on the main thread's end of each worker's control channel. */
function controlListeners(runtime: Runtime): number[] {
  const counts = (runtime as unknown as { controlListenerCounts(): number[] }).controlListenerCounts();
  expect(counts.length).toBe(runtime.schedulers);
  return counts;
}

describe('control plane', () => {
  it('processes() lists the processes of every scheduler, with their actor names', async () => {
    const echoes = [await echoOn(1), await echoOn(2)];
    const trapper = await trapperOn(2);
    const listed = await rt.processes();
    const byPid = new Map(listed.map((p) => [p.pid, p]));
    for (const pid of echoes) expect(byPid.get(pid)).toMatchObject({ pid, actor: 'Echo', status: 'waiting', trapExit: false });
    expect(byPid.get(trapper)).toMatchObject({ pid: trapper, actor: 'Trapper', trapExit: true });
    expect(byPid.get(trapper)!.module).toMatch(/pool-actors\.ts$/);
    // The inbox is a process of the main thread.
    expect(byPid.get(inbox.pid)).toMatchObject({ actor: 'strand.InboxRelay' });
    expect(new Set(listed.map((p) => ownerOf(p.pid)))).toEqual(new Set([0, 1, 2]));
    // Nothing listed twice.
    expect(byPid.size).toBe(listed.length);
  });

  it('processInfo(pid) answers for a process on another thread, and undefined once it is gone', async () => {
    const trapper = await trapperOn(1);
    const echo = await echoOn(2);
    const info = await rt.processInfo(trapper);
    expect(info).toMatchObject({ pid: trapper, actor: 'Trapper', trapExit: true, status: 'waiting', registeredName: undefined });
    rt.register('inspected', echo);
    expect(await rt.processInfo(echo)).toMatchObject({ pid: echo, actor: 'Echo', registeredName: 'inspected' });
    const exit = rt.awaitExit(echo);
    rt.send(echo, 'crash');
    expect(await exit).toMatchObject({ error: { message: 'asked to crash' } });
    expect(await rt.processInfo(echo)).toBeUndefined();
  });

  it('spawnOn(0) runs a process on the main thread; an index that is no scheduler is an InvalidOptionError', async () => {
    const onMain = await echoOn(0);
    expect(ownerOf(onMain)).toBe(0);
    expect((await rt.processInfo(onMain))?.actor).toBe(Echo.name);
    for (const bad of [-1, 3, 1.5]) expect(() => rt.spawnOn(bad, Echo)).toThrow(InvalidOptionError);
  });

  it('kill(pid) ends a trapping process on another thread with reason killed', async () => {
    const trapper = await trapperOn(2);
    // It traps exits: an ordinary exit signal is only a message to it.
    rt.exit(trapper, 'shutdown');
    expect(await inbox.receive((m) => isObject(m) && m.by === trapper, 10_000)).toMatchObject({ got: { type: 'EXIT', reason: 'shutdown' } });
    const exit = rt.awaitExit(trapper);
    rt.kill(trapper);
    expect(await exit).toBe('killed');
    expect(await rt.processInfo(trapper)).toBeUndefined();
    expect((await rt.processes()).some((p) => p.pid === trapper)).toBe(false);
  });

  it('stats() has one entry per scheduler, main thread (index 0) first, all numbers', async () => {
    await echoOn(1);
    await echoOn(2);
    await echoOn(2);
    const stats = await rt.stats();
    expect(stats.map((s) => s.index)).toEqual([0, 1, 2]);
    for (const s of stats) {
      for (const key of ['processes', 'runQueue', 'reductions', 'reductionsPerSecond', 'utilisation', 'heapUsed'] as const) {
        expect(typeof s[key], `${key} of scheduler ${s.index}`).toBe('number');
        expect(Number.isFinite(s[key]), `${key} of scheduler ${s.index}`).toBe(true);
        expect(s[key]).toBeGreaterThanOrEqual(0);
      }
      expect(s.utilisation).toBeLessThanOrEqual(1);
    }
    expect(stats[1]!.processes).toBe(1);
    expect(stats[2]!.processes).toBe(2);
    expect(stats[1]!.reductions).toBeGreaterThan(0);
    expect(stats[0]!.processes).toBe((await rt.processes()).filter((p) => ownerOf(p.pid) === 0).length);
  });

  it('does not grow: 2,000 calls each of stats() and processInfo() leave the control ports with as many listeners as before', async () => {
    const pids = [await echoOn(1), await echoOn(2)];
    // Warm up: the first calls may set up what every later call shares.
    await rt.stats();
    for (const pid of pids) await rt.processInfo(pid);
    const before = controlListeners(rt);
    expect(before.every((n) => n >= 1)).toBe(true);

    let maxDuring = 0;
    for (let i = 0; i < 2_000; i++) {
      const calls = Promise.all([rt.stats(), rt.processInfo(pids[i % 2]!)]);
      maxDuring = Math.max(maxDuring, ...controlListeners(rt));
      const [stats, info] = await calls;
      if (stats.length !== 3 || info?.pid !== pids[i % 2]) throw new Error(`call ${i} answered ${JSON.stringify([stats.length, info?.pid])}`);
    }
    expect(controlListeners(rt)).toEqual(before);
    // Not even while calls are in flight: one listener per channel, not one per call.
    expect(maxDuring).toBe(Math.max(...before));
  });
});
