// A module that cannot load in a scheduler thread is an error someone sees:
// the process exits with a ModuleLoadError naming the module, the cause and
// the fix; awaitExit, monitors and links see that reason; the default log
// says it in one line per module, however many spawns fail; the runtime
// carries on.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { ExitReason, Pid } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { LinkedTrapper, Watcher } from './fixtures/pool-actors.js';
import { Unloadable, answerLoads } from './fixtures/throws-in-thread.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
const runtimes: Runtime[] = [];
const loads = answerLoads();

afterAll(() => loads.close());
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
});

const moduleLoadError = {
  error: {
    name: 'ModuleLoadError',
    message: expect.stringMatching(/throws-in-thread\.ts.*refuses to load in a worker thread.*before `await Strand\.start\(\)`/),
  },
};

describe('module load errors', () => {
  it('reach awaitExit, a monitor and a link with a ModuleLoadError naming the module, the cause and the fix', async () => {
    const rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
    runtimes.push(rt);
    const inbox = rt.inbox();
    const gate = rt.inbox();
    const failing = rt.spawnOn(1, Unloadable);
    const exit = rt.awaitExit(failing);
    // Scheduler 1 holds the process while its module loads; the load fails only once the test lets
    // it, after the link and the monitor from scheduler 2 are there. The link is sent first (the
    // trapper says it is ready after linking), then the monitor, over the one FIFO channel from
    // scheduler 2 to 1: once scheduler 1 lists the monitor (each check a round trip to it, until the
    // test's timeout), the link is there too.
    const linked = rt.spawnOn(2, LinkedTrapper, [failing], gate.pid, inbox.pid);
    expect(await inbox.receive((x) => typeof x === 'object' && x !== null && 'ready' in x)).toEqual({ ready: linked });
    const watcher = rt.spawnOn(2, Watcher, [failing], gate.pid, inbox.pid);
    for (;;) {
      const info = await rt.processInfo(failing);
      expect(info, 'the module failed to load before the test let it').toBeDefined();
      if (info!.monitoredBy.includes(watcher)) break;
    }
    loads.release();
    expect(await exit).toMatchObject(moduleLoadError);
    const seen = new Map<Pid, unknown>();
    while (seen.size < 2) {
      const m = (await inbox.receive((x) => typeof x === 'object' && x !== null && ('down' in x || 'exit' in x))) as {
        reason: ExitReason;
        by: Pid;
      };
      seen.set(m.by, m.reason);
    }
    expect(seen.get(watcher)).toMatchObject(moduleLoadError);
    expect(seen.get(linked)).toMatchObject(moduleLoadError);
  }, 30_000);

  it('are logged in one line per module by default, and the runtime keeps spawning', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const rt = await Strand.start({ schedulers: 2, preload: [PRELOAD] });
    runtimes.push(rt);
    const failures = [rt.spawnOn(1, Unloadable), rt.spawnOn(2, Unloadable), rt.spawn(Unloadable)];
    const reasons = await Promise.all(failures.map((pid) => rt.awaitExit(pid)));
    for (const reason of reasons) expect(reason).toMatchObject(moduleLoadError);
    const logged = lines.filter((line) => line.includes('throws-in-thread.ts'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^\[strand\] cannot load .*throws-in-thread\.ts in a scheduler thread: .*\n$/);
    expect(logged[0]!.split('\n')).toHaveLength(2);
    const gate = rt.inbox();
    const inbox = rt.inbox();
    const healthy = rt.spawn(Watcher, [], gate.pid, inbox.pid);
    expect(await inbox.receive()).toEqual({ ready: healthy });
  }, 30_000);
});
