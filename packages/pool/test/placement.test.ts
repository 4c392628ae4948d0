// Placement: spawn puts new processes on the worker schedulers, sharing them
// out; spawnOn pins; the main thread (index 0) never gets placed processes.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type Pid } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand } from '@strand/pool';
import { Echo, type Reply, SpawnReporter, Spinner, Stuck } from './fixtures/pool-actors.js';
import type { StallReport } from '@strand/pool';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime | undefined;

afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

async function start(): Promise<Runtime> {
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
  return rt;
}

function countBy<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('placement', () => {
  it('200 CPU-bound processes spawned from plain code are shared between both workers (30% to 70% each), none on the main thread', async () => {
    const runtime = await start();
    const N = 200;
    const inbox = runtime.inbox();
    const pids = Array.from({ length: N }, () => runtime.spawn(Spinner, 2_000, inbox.pid));
    const owners = countBy(pids.map(ownerOf));
    expect([...owners.keys()].sort()).toEqual([1, 2]);
    for (const index of [1, 2]) {
      expect(owners.get(index)!).toBeGreaterThanOrEqual(0.3 * N);
      expect(owners.get(index)!).toBeLessThanOrEqual(0.7 * N);
    }
    // Once every one has started, the schedulers themselves agree: each one's control plane knows exactly its share.
    for (let i = 0; i < N; i++) {
      expect(await inbox.receive((m) => typeof m === 'object' && m !== null && 'started' in m, 10_000)).not.toBeTypeOf('symbol');
    }
    for (const pid of pids) {
      const info = await runtime.processInfo(pid);
      expect(info?.pid).toBe(pid);
      expect(info?.actor).toBe('Spinner');
    }
    const listed = await runtime.processes();
    const spinners = listed.filter((p) => p.actor === 'Spinner').map((p) => p.pid);
    expect(new Set(spinners)).toEqual(new Set(pids));
    const stats = await runtime.stats();
    for (const index of [1, 2]) {
      expect(stats.find((s) => s.index === index)!.processes).toBe(owners.get(index));
    }
    // The main thread hosts only plain code's machinery (inboxes), never placed processes.
    expect(listed.filter((p) => ownerOf(p.pid) === 0).every((p) => p.actor === 'strand.InboxRelay')).toBe(true);
  });

  it('processes spawned by processes are placed on workers only', async () => {
    const runtime = await start();
    const inbox = runtime.inbox();
    const parents = [runtime.spawnOn(1, SpawnReporter, inbox.pid, 50), runtime.spawnOn(2, SpawnReporter, inbox.pid, 50)];
    const children: Pid[] = [];
    for (let i = 0; i < parents.length; i++) {
      const report = await inbox.receive((m) => typeof m === 'object' && m !== null && 'spawned' in m, 10_000);
      expect(report).not.toBeTypeOf('symbol');
      children.push(...(report as { spawned: Pid[] }).spawned);
    }
    expect(children.length).toBe(100);
    const owners = countBy(children.map(ownerOf));
    expect(owners.get(0)).toBeUndefined();
    expect([...owners.keys()].every((o) => o === 1 || o === 2)).toBe(true);
    const stats = await runtime.stats();
    const main = stats.find((s) => s.index === 0)!;
    const mainProcesses = (await runtime.processes()).filter((p) => ownerOf(p.pid) === 0);
    expect(main.processes).toBe(mainProcesses.length);
    expect(mainProcesses.every((p) => p.actor === 'strand.InboxRelay')).toBe(true);
  });

  it('spawnOn pins a process to the requested worker, and refuses unknown indices (0, the main thread, is control-plane.test.ts)', async () => {
    const runtime = await start();
    const inbox = runtime.inbox();
    for (const index of [1, 2, 2, 1, 2]) {
      const pid = runtime.spawnOn(index, Echo);
      expect(ownerOf(pid)).toBe(index);
      runtime.send(pid, { from: inbox.pid, body: index });
      const reply = (await inbox.receive((m) => typeof m === 'object' && m !== null && 'echo' in m, 10_000)) as Reply;
      expect(reply).toEqual({ echo: index, by: pid });
      expect((await runtime.processInfo(pid))?.actor).toBe('Echo');
    }
    for (const bad of [3, -1, 1.5, Number.NaN]) {
      expect(() => runtime.spawnOn(bad, Echo)).toThrow(InvalidOptionError);
    }
  });
  it('a scheduler stuck in a slice that does not yield gets no new processes while the other does not', async () => {
    let stuckSeen: (report: StallReport) => void = () => {};
    const seen = new Promise<StallReport>((resolve) => (stuckSeen = resolve));
    // The watchdog only reports (after 300 ms): by then the slice has overrun placement's limit too.
    rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], stallTimeoutMs: 300, stallPolicy: 'report', onStall: (r) => stuckSeen(r) });
    const inbox = rt.inbox();
    // Stuck for 10 s: long enough to outlast the spawns below on any machine.
    const stuck = rt.spawnOn(1, Stuck, 1, 10_000, inbox.pid);
    rt.send(stuck, 'go');
    expect((await seen).pid).toBe(stuck);
    const pids = Array.from({ length: 20 }, () => rt!.spawn(Echo));
    expect(new Set(pids.map(ownerOf))).toEqual(new Set([2]));
    // Once it yields again, it takes its share again.
    expect(await inbox.receive((m) => typeof m === 'object' && m !== null && 'done' in m, 30_000)).toEqual({ done: stuck });
    // Its control plane answers only from its event loop, after the slice has ended.
    await rt.stats();
    const after = Array.from({ length: 20 }, () => rt!.spawn(Echo));
    expect(new Set(after.map(ownerOf))).toEqual(new Set([1, 2]));
  }, 60_000);
});
