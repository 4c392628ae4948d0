// Actors written in TypeScript run in the scheduler threads when a preload
// module registers a TypeScript loader there; without one, the spawned
// process dies with an { error } reason and the runtime carries on.
import { afterEach, describe, expect, it } from 'vitest';
import type { ExitReason, Pid } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand, type StrandOptions } from '@strand/pool';
import { Echo, type Reply } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
const runtimes: Runtime[] = [];

async function start(options: StrandOptions): Promise<Runtime> {
  const rt = await Strand.start(options);
  runtimes.push(rt);
  return rt;
}

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
});

const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && 'echo' in m;

describe('TypeScript actors', () => {
  it('run in a worker thread when the runtime preloads a TypeScript loader', async () => {
    const rt = await start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
    const inbox = rt.inbox();
    const pids = [rt.spawn(Echo), rt.spawnOn(1, Echo), rt.spawnOn(2, Echo)];
    for (const pid of pids) rt.send(pid, { from: inbox.pid, body: pid });
    const replies: Reply[] = [];
    for (let i = 0; i < pids.length; i++) {
      const reply = await inbox.receive(isReply, 10_000);
      expect(reply).not.toBeTypeOf('symbol');
      replies.push(reply as Reply);
    }
    for (const reply of replies) {
      // The reply names the pid that sent it, and that pid lives on a worker scheduler.
      expect(reply.by).toBe(reply.echo);
      expect(ownerOf(reply.by)).toBeGreaterThanOrEqual(1);
      expect(ownerOf(reply.by)).toBeLessThanOrEqual(2);
    }
    expect(new Set(replies.map((r) => r.by))).toEqual(new Set(pids));
    // And they are known to their thread's control plane as the TypeScript module's actor.
    const info = await rt.processInfo(pids[1]!);
    expect(info?.actor).toBe('Echo');
    expect(info?.module).toMatch(/pool-actors\.ts$/);
  });

  it('without the loader, a spawned TypeScript actor exits with an { error } reason, and the runtime keeps working', async () => {
    const crashes: { pid: Pid; actor: string; reason: ExitReason }[] = [];
    const rt = await start({ schedulers: 2, onCrash: (r) => crashes.push(r) });
    const pid = rt.spawnOn(1, Echo);
    const placed = rt.spawn(Echo);
    const exits = await Promise.all([rt.awaitExit(pid), rt.awaitExit(placed)]);
    for (const reason of exits) {
      // Node cannot load a .ts module by itself: the error says so and names the file.
      expect(reason).toMatchObject({ error: { name: 'ModuleLoadError', message: expect.stringMatching(/\.ts\b.*npx tsx app\.ts/) } });
    }
    // The failure to load is reported like a crash, naming the process and its actor.
    expect(crashes.map((c) => c.pid).sort()).toEqual([pid, placed].sort());
    expect(crashes.every((c) => c.actor === 'Echo')).toBe(true);

    // The runtime still answers, on every scheduler, and still takes (and fails) new spawns the same way.
    const stats = await rt.stats();
    expect(stats.map((s) => s.index)).toEqual([0, 1, 2]);
    const again = rt.spawnOn(2, Echo);
    expect(await rt.awaitExit(again)).toMatchObject({ error: { message: expect.any(String) } });
    expect((await rt.stats()).length).toBe(3);
    expect((await rt.processes()).filter((p) => p.actor === 'Echo')).toEqual([]);
  });
});
