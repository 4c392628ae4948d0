// Starting and stopping a runtime: valid and invalid options, every process
// ending with 'shutdown', stop() being idempotent, and nothing of a stopped
// runtime keeping Node alive.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Pid, InvalidOptionError, StoppedError } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand, type StrandOptions } from '@strand/pool';
import { Echo, type Reply, Trapper } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
const runtimes: Runtime[] = [];

async function start(options: StrandOptions): Promise<Runtime> {
  const rt = await Strand.start({ preload: [PRELOAD], onCrash: () => {}, ...options });
  runtimes.push(rt);
  return rt;
}

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
});

const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && 'echo' in m;

/** Sends `body` to an Echo and waits for its reply (a failure bound, not a sleep). */
async function ask(rt: Runtime, pid: Pid, body: unknown): Promise<Reply | symbol> {
  const inbox = rt.inbox();
  try {
    rt.send(pid, { from: inbox.pid, body });
    return (await inbox.receive((m) => isReply(m) && m.echo === body, 10_000)) as Reply | symbol;
  } finally {
    inbox.close();
  }
}

describe('Strand.start', () => {
  it('starts its threads without a process flag Node refuses for threads (--trace-gc), and their processes answer', async () => {
    const rt = await start({ schedulers: 2, execArgv: ['--trace-gc'] });
    const pids = [rt.spawnOn(1, Echo), rt.spawnOn(2, Echo)];
    for (const pid of pids) expect(await ask(rt, pid, `flags ${pid}`)).toEqual({ echo: `flags ${pid}`, by: pid });
  });

  it.each([1, 2])('starts a runtime with %i worker scheduler(s) whose processes answer', async (schedulers) => {
    const rt = await start({ schedulers });
    expect(rt.schedulers).toBe(schedulers);
    const stats = await rt.stats();
    expect(stats.map((s) => s.index)).toEqual(Array.from({ length: schedulers + 1 }, (_, i) => i));
    for (let index = 1; index <= schedulers; index++) {
      const pid = rt.spawnOn(index, Echo);
      const reply = await ask(rt, pid, `hello ${index}`);
      expect(reply).toEqual({ echo: `hello ${index}`, by: pid });
      expect(ownerOf(pid)).toBe(index);
    }
  });

  const bad: [string, StrandOptions][] = [
    ['schedulers 0', { schedulers: 0 }],
    ['schedulers 1.5', { schedulers: 1.5 }],
    ['schedulers 64', { schedulers: 64 }],
    ["schedulers 'x'", { schedulers: 'x' as unknown as number }],
    ["stallPolicy 'x'", { stallPolicy: 'x' as unknown as 'report' }],
    ['stallTimeoutMs -1', { stallTimeoutMs: -1 }],
    ['maxNames 0', { maxNames: 0 }],
    ["preload 'x'", { preload: 'x' as unknown as string[] }],
  ];
  it.each(bad)('rejects %s with InvalidOptionError', async (_label, options) => {
    const started = Strand.start({ schedulers: 1, ...options });
    // Stop it anyway if it (wrongly) started, so that no threads leak into other tests.
    started.then((rt) => runtimes.push(rt), () => {});
    const error = await started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('ERR_STRAND_INVALID_OPTION');
  });
});

describe('Runtime.stop', () => {
  it('ends every process, on every scheduler, with reason shutdown, and resolves', async () => {
    const rt = await start({ schedulers: 2 });
    const inbox = rt.inbox();
    const echoes = [rt.spawnOn(1, Echo), rt.spawnOn(2, Echo), rt.spawn(Echo), rt.spawn(Echo)];
    const trappers = [rt.spawnOn(1, Trapper, inbox.pid), rt.spawnOn(2, Trapper, inbox.pid)];
    for (let i = 0; i < trappers.length; i++) {
      expect(await inbox.receive((m) => typeof m === 'object' && m !== null && 'ready' in m, 10_000)).not.toBeTypeOf('symbol');
    }
    const exits = [...echoes, ...trappers].map((pid) => rt.awaitExit(pid));
    // A round trip through each process after awaitExit: its monitor went the same way, so it is in place.
    for (const pid of echoes) expect(await ask(rt, pid, 'sync')).toEqual({ echo: 'sync', by: pid });
    for (const pid of trappers) {
      rt.send(pid, 'sync');
      expect(await inbox.receive({ got: 'sync', by: pid }, 10_000)).not.toBeTypeOf('symbol');
    }
    await rt.stop();
    expect(await Promise.all(exits)).toEqual(Array(6).fill('shutdown'));
  });

  it('resolves awaitExit with shutdown even when awaitExit is called just before stop', async () => {
    const rt = await start({ schedulers: 2 });
    const pids = [rt.spawnOn(1, Echo), rt.spawnOn(2, Echo)];
    for (const pid of pids) expect(await ask(rt, pid, 'up')).toEqual({ echo: 'up', by: pid });
    const exits = pids.map((pid) => rt.awaitExit(pid));
    await rt.stop();
    expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown']);
  });

  it('can be called twice, and concurrently, and the runtime takes no more work afterwards', async () => {
    const rt = await start({ schedulers: 2 });
    rt.spawn(Echo);
    const first = rt.stop();
    const second = rt.stop();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await expect(rt.stop()).resolves.toBeUndefined();
    expect(() => rt.spawn(Echo)).toThrow(StoppedError);
  });

  it('leaves nothing that keeps Node alive: a child program with live processes, timers and an inbox exits by itself', () => {
    const program = fileURLToPath(new URL('./fixtures/stop-child.mjs', import.meta.url));
    const child = spawnSync(process.execPath, [program], { encoding: 'utf8', timeout: 15_000 });
    // A child still running at the timeout is killed with SIGTERM: that is the failure this test is about.
    expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({ signal: null, status: 0, stderr: '' });
    const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { stopped: boolean; processes: number; pending: string };
    expect(report.stopped).toBe(true);
    expect(report.processes).toBe(15);
    expect(report.pending).toBe('Symbol(strand.timeout)');
  });
});
