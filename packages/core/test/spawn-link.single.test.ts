import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, Scheduler, type Inbox, type Pid } from '@strand/core';
import { Agent, SpawnLinkParent } from './fixtures/faults.js';

// Single-thread only: manual drive, stepping until the parent blocks, to look at a child that
// has not run yet.

let scheduler: Scheduler;
let inbox: Inbox;

afterEach(() => scheduler?.stop());

function start(): void {
  scheduler = new Scheduler({ onCrash: () => {}, drive: 'manual', clock: new ManualClock() });
  inbox = scheduler.inbox();
}

function agent(): Pid {
  return scheduler.spawn(Agent, inbox.pid);
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

describe('spawnLink (manual drive)', () => {
  it('links both halves before the child has run a single step', () => {
    start();
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

describe('spawnMonitor (manual drive)', () => {
  it('the monitor exists before the child has run a single step', () => {
    start();
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
