// Memory limits of one scheduler: a process that keeps what it allocates is
// killed with a MemoryLimitError once the thread's heap passes its limit;
// one whose mailbox overflows is killed too; the others carry on.
import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { type CrashReport, type Pid, Scheduler, actor, receive, send } from '@strand/core';

/** Keeps about 1 MiB more of objects at every step, for ever. */
const Leaker = actor(import.meta.url, 'Leaker', function* () {
  const kept: number[][] = [];
  for (;;) {
    kept.push(new Array<number>(131_072).fill(kept.length + 0.5));
    yield;
  }
});

/** Allocates a sixteenth as much (64 KiB a step), and lets it go. */
const Churner = actor(import.meta.url, 'Churner', function* () {
  for (let i = 0; ; i++) {
    const temporary = new Array<number>(8_192).fill(i + 0.5);
    if (temporary[0] !== i + 0.5) throw new Error('unreachable');
    yield;
  }
});

/** Answers each message with its count so far. */
const Counter = actor(import.meta.url, 'MemCounter', function* (report: Pid) {
  for (let n = 1; ; n++) {
    yield* receive();
    send(report, n);
  }
});

let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

describe('memory limits', () => {
  it('the process that keeps what it allocates is killed past the heap limit; one that allocates less and lets go, and a quiet one, live on', async () => {
    const crashes: CrashReport[] = [];
    const stats = getHeapStatistics();
    const limit = stats.used_heap_size + stats.external_memory + 96 * 1048576;
    scheduler = new Scheduler({ heapLimitBytes: limit, onCrash: (r) => crashes.push(r) });
    const inbox = scheduler.inbox();
    const quiet = scheduler.spawn(Counter, inbox.pid);
    const churner = scheduler.spawn(Churner);
    const leaker = scheduler.spawn(Leaker);
    const reason = await scheduler.awaitExit(leaker);
    expect(reason).toMatchObject({ error: { name: 'MemoryLimitError' } });
    expect(crashes.map((c) => c.pid)).toEqual([leaker]);
    expect(scheduler.processInfo(churner)?.status).toBe('runnable');
    scheduler.send(quiet, 'ping');
    expect(await inbox.receive()).toBe(1);
  });

  it('a process whose mailbox passes the limit is killed; messages to others still arrive', async () => {
    scheduler = new Scheduler({ mailboxLimit: 100, onCrash: () => {} });
    const inbox = scheduler.inbox();
    const quiet = scheduler.spawn(Counter, inbox.pid);
    const sink = scheduler.spawn(actor(import.meta.url, 'Sink', function* () {
      yield* receive((m) => m === 'never');
    }));
    const exited = scheduler.awaitExit(sink);
    for (let i = 0; i <= 100; i++) scheduler.send(sink, i);
    expect(await exited).toMatchObject({ error: { name: 'MemoryLimitError', message: expect.stringContaining('more than 100 messages') } });
    scheduler.send(quiet, 'ping');
    expect(await inbox.receive()).toBe(1);
  });

  it('processInfo tells CPU time, age and what a process waits in', async () => {
    scheduler = new Scheduler();
    const inbox = scheduler.inbox();
    const before = performance.timeOrigin + performance.now();
    const counter = scheduler.spawn(Counter, inbox.pid);
    const churner = scheduler.spawn(Churner);
    scheduler.send(counter, 'ping');
    expect(await inbox.receive()).toBe(1);
    const info = scheduler.processInfo(counter)!;
    expect(info.waitingIn).toBe('receive');
    expect(info.startedAt).toBeGreaterThan(before - 1_000);
    expect(info.cpuMs).toBeGreaterThanOrEqual(0);
    while (scheduler.processInfo(churner)!.reductions < 20) await new Promise((r) => setImmediate(r));
    expect(scheduler.processInfo(churner)!.cpuMs).toBeGreaterThan(0);
    expect(scheduler.processInfo(churner)!.waitingIn).toBeUndefined();
  });

  it('a bad limit is an InvalidOptionError', () => {
    expect(() => new Scheduler({ heapLimitBytes: -1 })).toThrow(/heapLimitBytes/);
    expect(() => new Scheduler({ mailboxLimit: 1.5 })).toThrow(/mailboxLimit/);
  });
});
