import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, Scheduler, type CrashReport, type Inbox, type Pid } from '../src/index.js';
import { Agent, LateMonitor, SpawnLinkParent, ask } from './fixtures/faults.js';

let scheduler: Scheduler;
let inbox: Inbox;
let crashes: CrashReport[];

afterEach(() => scheduler?.stop());

function start(drive: 'event-loop' | 'manual' = 'event-loop'): void {
  crashes = [];
  scheduler = new Scheduler({
    onCrash: (report) => crashes.push(report),
    ...(drive === 'manual' ? { drive, clock: new ManualClock() } : {}),
  });
  inbox = scheduler.inbox();
}

function agent(): Pid {
  return scheduler.spawn(Agent, inbox.pid);
}

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(scheduler, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

/** Everything the inbox gets until a sentinel sent now from plain code. */
async function inboxSoFar(): Promise<unknown[]> {
  const id = Math.random();
  scheduler.send(inbox.pid, { sentinel: id });
  const got: unknown[] = [];
  for (;;) {
    const m = await inbox.receive();
    if ((m as { sentinel?: number } | null)?.sentinel === id) return got;
    got.push(m);
  }
}

/** Manual drive: steps until `pid` is blocked in receive (or gone). */
function stepUntilWaiting(pid: Pid): void {
  for (let i = 0; i < 100; i++) {
    const info = scheduler.processInfo(pid);
    if (info === undefined || info.status === 'waiting') return;
    scheduler.step();
  }
  throw new Error('process never blocked');
}

describe('spawnLink', () => {
  it('is atomic: a child that crashes on its very first step still takes the parent down', async () => {
    start();
    const parent = scheduler.spawn(SpawnLinkParent, inbox.pid, false, 'first step');
    const parentExit = scheduler.awaitExit(parent);
    const { child } = (await inbox.receive()) as { child: Pid };
    const reason = await parentExit;
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'first step' } });
    expect(crashes.map((c) => c.pid)).toEqual([child]);
    expect(crashes[0]!.reason).toEqual(reason);
    // The parent never got to receive anything.
    expect(await inboxSoFar()).toEqual([]);
  });

  it('delivers EXIT to a trapping parent when the child crashes on its very first step', async () => {
    start();
    const parent = scheduler.spawn(SpawnLinkParent, inbox.pid, true, 'first step');
    const { child } = (await inbox.receive()) as { child: Pid };
    expect(await inbox.receive()).toMatchObject({
      got: { type: 'EXIT', from: child, reason: { error: { name: 'Error', message: 'first step' } } },
    });
    expect(scheduler.processInfo(parent)).toBeDefined();
  });

  it('a child that ends normally at once gives a trapping parent EXIT normal, not noproc', async () => {
    start();
    const parent = agent();
    await ask(scheduler, inbox, parent, { op: 'trap', on: true });
    const { pid: child } = await ask<{ pid: Pid }>(scheduler, inbox, parent, { op: 'spawn', actor: 'Returner', how: 'link' });
    expect(await nextMessage(parent)).toEqual({ type: 'EXIT', from: child, reason: 'normal' });
  });

  it('links both halves before the child has run a single step', () => {
    start('manual');
    const parent = scheduler.spawn(SpawnLinkParent, inbox.pid, true, 'later');
    const before = new Set(scheduler.processes());
    stepUntilWaiting(parent);
    const spawned = scheduler.processes().filter((pid) => !before.has(pid));
    expect(spawned).toHaveLength(1);
    const child = spawned[0]!;
    const info = scheduler.processInfo(child)!;
    expect(info.reductions).toBe(0);
    expect(info.status).toBe('runnable');
    expect(info.links).toEqual([parent]);
    expect(scheduler.processInfo(parent)!.links).toEqual([child]);
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(child)).toBeUndefined();
    expect(scheduler.processInfo(parent)!.links).toEqual([]);
  });
});

describe('spawnMonitor', () => {
  it('monitors before the child runs: a child that ends at once gives DOWN normal, not noproc', async () => {
    start();
    const parent = agent();
    const { pid: child, ref } = await ask<{ pid: Pid; ref: string }>(scheduler, inbox, parent, {
      op: 'spawn',
      actor: 'Returner',
      how: 'monitor',
    });
    expect(await nextMessage(parent)).toEqual({ type: 'DOWN', ref, pid: child, reason: 'normal' });
  });

  it('a child that crashes on its first step gives DOWN with the crash reason', async () => {
    start();
    const parent = agent();
    const { pid: child, ref } = await ask<{ pid: Pid; ref: string }>(scheduler, inbox, parent, {
      op: 'spawn',
      actor: 'Crasher',
      args: ['at once'],
      how: 'monitor',
    });
    expect(await nextMessage(parent)).toMatchObject({
      type: 'DOWN',
      ref,
      pid: child,
      reason: { error: { name: 'Error', message: 'at once' } },
    });
    // A monitor is not a link: the parent lives on.
    expect(scheduler.processInfo(parent)).toBeDefined();
  });

  it('the monitor exists before the child has run a single step', () => {
    start('manual');
    scheduler.runUntilIdle();
    const parent = agent();
    scheduler.send(parent, { op: 'spawn', actor: 'Returner', how: 'monitor' });
    const before = new Set(scheduler.processes());
    stepUntilWaiting(parent);
    const spawned = scheduler.processes().filter((pid) => !before.has(pid));
    expect(spawned).toHaveLength(1);
    const child = spawned[0]!;
    expect(scheduler.processInfo(child)!.reductions).toBe(0);
    expect(scheduler.processInfo(child)!.monitoredBy).toEqual([parent]);
    expect(scheduler.processInfo(parent)!.monitors).toEqual([child]);
  });
});

describe('a child dying before anyone monitors it', () => {
  it('monitoring it after its death gives DOWN noproc', async () => {
    start();
    const parent = scheduler.spawn(LateMonitor, inbox.pid);
    const { child } = (await inbox.receive()) as { child: Pid };
    await scheduler.awaitExit(child);
    expect(scheduler.processInfo(child)).toBeUndefined();
    scheduler.send(parent, 'go');
    const { ref, down } = (await inbox.receive()) as { ref: string; down: unknown };
    expect(down).toEqual({ type: 'DOWN', ref, pid: child, reason: 'noproc' });
  });
});
