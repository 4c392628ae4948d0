import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type ExitReason, type Inbox, type Pid } from '../src/index.js';
import { Agent, ask } from './fixtures/faults.js';

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

async function monitorFrom(watcher: Pid, target: Pid): Promise<string> {
  return (await ask<{ ref: string }>(scheduler, inbox, watcher, { op: 'monitor', pid: target })).ref;
}

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(scheduler, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

async function drain(pid: Pid): Promise<unknown[]> {
  return ((await ask(scheduler, inbox, pid, { op: 'drain' })) as { messages: unknown[] }).messages;
}

async function alive(pid: Pid): Promise<boolean> {
  if (scheduler.processInfo(pid) === undefined) return false;
  expect(await ask(scheduler, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

/** A pid this scheduler never handed out. */
const NEVER_SPAWNED = (1_000_000 * 64 * 64) as Pid;

async function deadPid(): Promise<Pid> {
  const pid = agent();
  scheduler.send(pid, { op: 'return' });
  expect(await scheduler.awaitExit(pid)).toBe('normal');
  return pid;
}

describe('monitors', () => {
  it.each<[string, (target: Pid) => void, ExitReason]>([
    ['returns', (target) => scheduler.send(target, { op: 'return' }), 'normal'],
    ['crashes', (target) => scheduler.send(target, { op: 'crash', message: 'monitored crash' }), { error: { name: 'Error', message: 'monitored crash' } }],
    ['is killed', (target) => scheduler.exit(target, 'kill'), 'killed'],
    ['is shut down', (target) => scheduler.exit(target, { shutdown: 'done' }), { shutdown: 'done' }],
  ])('sends DOWN with the real reason when the target %s', async (_label, end, reason) => {
    start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    expect(scheduler.processInfo(watcher)!.monitors).toEqual([target]);
    expect(scheduler.processInfo(target)!.monitoredBy).toEqual([watcher]);
    end(target);
    expect(await nextMessage(watcher)).toMatchObject({ type: 'DOWN', ref, pid: target, reason });
    // The monitor fired once and is gone.
    expect(scheduler.processInfo(watcher)!.monitors).toEqual([]);
    expect(await drain(watcher)).toEqual([]);
  });

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

  it('demonitor prevents the DOWN message', async () => {
    start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    expect(await ask(scheduler, inbox, watcher, { op: 'demonitor', ref })).toEqual({ from: watcher, op: 'demonitor', result: true });
    expect(scheduler.processInfo(watcher)!.monitors).toEqual([]);
    expect(scheduler.processInfo(target)!.monitoredBy).toEqual([]);
    const exited = scheduler.awaitExit(target);
    scheduler.send(target, { op: 'crash', message: 'unwatched' });
    await exited;
    expect(await drain(watcher)).toEqual([]);
    expect(await alive(watcher)).toBe(true);
  });

  it('demonitor with flush removes a DOWN that was already delivered, and nothing else', async () => {
    start();
    const watcher = agent();
    const target = agent();
    const other = agent();
    const ref = await monitorFrom(watcher, target);
    const otherRef = await monitorFrom(watcher, other);
    scheduler.send(watcher, 'unrelated');
    scheduler.exit(target, 'kill');
    scheduler.exit(other, 'kill');
    // Both DOWNs are in the mailbox already (exits are applied synchronously), behind 'unrelated'.
    expect(scheduler.processInfo(watcher)!.mailboxLength).toBe(3);
    await ask(scheduler, inbox, watcher, { op: 'demonitor', ref, flush: true });
    expect(await drain(watcher)).toEqual(['unrelated', { type: 'DOWN', ref: otherRef, pid: other, reason: 'killed' }]);
  });

  it('demonitor without flush leaves an already delivered DOWN in the mailbox', async () => {
    start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    scheduler.exit(target, 'kill');
    expect(scheduler.processInfo(watcher)!.mailboxLength).toBe(1);
    await ask(scheduler, inbox, watcher, { op: 'demonitor', ref });
    expect(await drain(watcher)).toEqual([{ type: 'DOWN', ref, pid: target, reason: 'killed' }]);
  });

  it('gives every monitor on one target its own DOWN', async () => {
    start();
    const w1 = agent();
    const w2 = agent();
    const target = agent();
    const r1 = await monitorFrom(w1, target);
    const r2 = await monitorFrom(w1, target);
    const r3 = await monitorFrom(w2, target);
    expect(new Set([r1, r2, r3]).size).toBe(3);
    expect(scheduler.processInfo(target)!.monitoredBy.sort()).toEqual([w1, w1, w2].sort());
    const exited = scheduler.awaitExit(target);
    scheduler.exit(target, { shutdown: 'all' });
    await exited;
    const downs1 = await drain(w1);
    expect(downs1).toHaveLength(2);
    expect(downs1).toEqual(
      expect.arrayContaining([
        { type: 'DOWN', ref: r1, pid: target, reason: { shutdown: 'all' } },
        { type: 'DOWN', ref: r2, pid: target, reason: { shutdown: 'all' } },
      ]),
    );
    expect(await drain(w2)).toEqual([{ type: 'DOWN', ref: r3, pid: target, reason: { shutdown: 'all' } }]);
  });

  it("is one-way: the watcher's death does not affect the target", async () => {
    start();
    const watcher = agent();
    const target = agent();
    await monitorFrom(watcher, target);
    const exited = scheduler.awaitExit(watcher);
    scheduler.send(watcher, { op: 'crash', message: 'watcher dies' });
    expect(await exited).toMatchObject({ error: { message: 'watcher dies' } });
    expect(await alive(target)).toBe(true);
    expect(await drain(target)).toEqual([]);
    // The dead watcher's monitor was removed from the target.
    expect(scheduler.processInfo(target)!.monitoredBy).toEqual([]);
  });

  it('a monitor does not make the target trap or die with the watcher when the target crashes', async () => {
    start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    scheduler.send(target, { op: 'crash', message: 'target dies' });
    expect(await nextMessage(watcher)).toMatchObject({ type: 'DOWN', ref, pid: target, reason: { error: { message: 'target dies' } } });
    expect(await alive(watcher)).toBe(true);
  });
});
