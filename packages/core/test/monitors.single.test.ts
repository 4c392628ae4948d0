import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type Inbox, type Pid } from '@strand/core';
import { Agent, ask } from './fixtures/faults.js';

// Single-thread only: a monitor of a dead pid on the watcher's own scheduler is answered
// synchronously, so the DOWN is in the mailbox before monitor() returns. (Across threads the
// answer is an ordinary DOWN: monitors.test.ts checks it in both modes.)

let scheduler: Scheduler;
let inbox: Inbox;

afterEach(() => scheduler?.stop());

function start(): void {
  scheduler = new Scheduler({ onCrash: () => {} });
  inbox = scheduler.inbox();
}

function agent(): Pid {
  return scheduler.spawn(Agent, inbox.pid);
}

/** A pid this scheduler never handed out. */
const NEVER_SPAWNED = (1_000_000 * 64 * 64) as Pid;

async function deadPid(): Promise<Pid> {
  const pid = agent();
  scheduler.send(pid, { op: 'return' });
  expect(await scheduler.awaitExit(pid)).toBe('normal');
  return pid;
}

describe('monitors (one scheduler)', () => {
  it('answers a monitor of a dead pid with DOWN noproc at once', async () => {
    start();
    const dead = await deadPid();
    const watcher = agent();
    const answer = await ask<{ ref: string; immediate: unknown }>(scheduler, inbox, watcher, { op: 'monitor', pid: dead, peek: true });
    expect(answer.immediate).toEqual({ type: 'DOWN', ref: answer.ref, pid: dead, reason: 'noproc' });
    expect(scheduler.processInfo(watcher)!.monitors).toEqual([]);
  });

  it('answers a monitor of a pid that never existed with DOWN noproc at once', async () => {
    start();
    const watcher = agent();
    const answer = await ask<{ ref: string; immediate: unknown }>(scheduler, inbox, watcher, {
      op: 'monitor',
      pid: NEVER_SPAWNED,
      peek: true,
    });
    expect(answer.immediate).toEqual({ type: 'DOWN', ref: answer.ref, pid: NEVER_SPAWNED, reason: 'noproc' });
  });
});
