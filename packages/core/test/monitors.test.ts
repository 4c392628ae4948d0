import { afterEach, describe, expect, it } from 'vitest';
import type { ExitReason, Inbox, Pid, Ref } from '@strand/core';
import { Agent, ask } from './fixtures/faults.js';
import { type TestNode, startNode, until } from './harness.js';

let node: TestNode;
let inbox: Inbox;

afterEach(() => node?.stop());

async function start(): Promise<void> {
  node = await startNode({ onCrash: () => {} });
  inbox = node.inbox();
}

function agent(): Pid {
  return node.spawn(Agent, inbox.pid);
}

/**
 * Has `watcher` monitor `target`, and waits until a live target has the
 * monitor: it travels from the watcher's thread, and a kill the test sends
 * next from plain code travels from another, unordered with it (a kill that
 * arrived first would make the DOWN say `noproc`).
 */
async function monitorFrom(watcher: Pid, target: Pid): Promise<Ref> {
  const held = async (): Promise<number | undefined> => (await node.processInfo(target))?.monitoredBy.filter((p) => p === watcher).length;
  const before = (await held()) ?? 0;
  const ref = (await ask<{ ref: Ref }>(node, inbox, watcher, { op: 'monitor', pid: target })).ref;
  for (;;) {
    const now = await held();
    if (now === undefined || now > before) return ref;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(node, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

async function drain(pid: Pid): Promise<unknown[]> {
  return ((await ask(node, inbox, pid, { op: 'drain' })) as { messages: unknown[] }).messages;
}

/** Waits until `pid` has `count` messages besides commands; resolves with how many it has. */
async function awaitMessages(pid: Pid, count: number): Promise<number> {
  return (await ask<{ count: number }>(node, inbox, pid, { op: 'await', count })).count;
}

async function alive(pid: Pid): Promise<boolean> {
  if ((await node.processInfo(pid)) === undefined) return false;
  expect(await ask(node, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

/** A pid no scheduler ever handed out. */
const NEVER_SPAWNED = (1_000_000 * 64 * 64) as Pid;

async function deadPid(): Promise<Pid> {
  const pid = agent();
  node.send(pid, { op: 'return' });
  expect(await node.awaitExit(pid)).toBe('normal');
  return pid;
}

describe('monitors', () => {
  it.each<[string, (target: Pid) => void, ExitReason]>([
    ['returns', (target) => node.send(target, { op: 'return' }), 'normal'],
    ['crashes', (target) => node.send(target, { op: 'crash', message: 'monitored crash' }), { error: { name: 'Error', message: 'monitored crash' } }],
    ['is killed', (target) => node.exit(target, 'kill'), 'killed'],
    ['is shut down', (target) => node.exit(target, { shutdown: 'done' }), { shutdown: 'done' }],
  ])('sends DOWN with the real reason when the target %s', async (_label, end, reason) => {
    await start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    expect((await node.processInfo(watcher))!.monitors).toEqual([target]);
    expect((await node.processInfo(target))!.monitoredBy).toEqual([watcher]);
    end(target);
    expect(await nextMessage(watcher)).toMatchObject({ type: 'DOWN', ref, pid: target, reason });
    // The monitor fired once and is gone.
    expect((await node.processInfo(watcher))!.monitors).toEqual([]);
    expect(await drain(watcher)).toEqual([]);
  });

  // Answered "at once" (the DOWN already in the mailbox when monitor returns) only when the dead
  // pid is on the watcher's own thread: monitors.single.test.ts. From another thread the answer
  // is a DOWN like any other.
  it('answers a monitor of a dead pid with DOWN noproc', async () => {
    await start();
    const dead = await deadPid();
    const watcher = agent();
    const ref = await monitorFrom(watcher, dead);
    expect(await nextMessage(watcher)).toEqual({ type: 'DOWN', ref, pid: dead, reason: 'noproc' });
    expect((await node.processInfo(watcher))!.monitors).toEqual([]);
  });

  it('answers a monitor of a pid that never existed with DOWN noproc', async () => {
    await start();
    const watcher = agent();
    const ref = await monitorFrom(watcher, NEVER_SPAWNED);
    expect(await nextMessage(watcher)).toEqual({ type: 'DOWN', ref, pid: NEVER_SPAWNED, reason: 'noproc' });
  });

  it('demonitor prevents the DOWN message', async () => {
    await start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    expect(await ask(node, inbox, watcher, { op: 'demonitor', ref })).toEqual({ from: watcher, op: 'demonitor', result: true });
    expect((await node.processInfo(watcher))!.monitors).toEqual([]);
    // The demonitor travels from the watcher's thread to the target's: a third party sees it
    // there once it has arrived (signals from different threads are ordered per pair only).
    expect(await until(async () => (await node.processInfo(target))!.monitoredBy, (m) => m.length === 0)).toEqual([]);
    const exited = node.awaitExit(target);
    node.send(target, { op: 'crash', message: 'unwatched' });
    await exited;
    expect(await drain(watcher)).toEqual([]);
    expect(await alive(watcher)).toBe(true);
  });

  it('demonitor with flush removes a DOWN that was already delivered, and nothing else', async () => {
    await start();
    const watcher = agent();
    const target = agent();
    const other = agent();
    const ref = await monitorFrom(watcher, target);
    const otherRef = await monitorFrom(watcher, other);
    node.exit(target, 'kill');
    node.exit(other, 'kill');
    // Both DOWNs are in the mailbox (from other threads they come when they come: wait for them)...
    expect(await awaitMessages(watcher, 2)).toBe(2);
    expect((await node.processInfo(watcher))!.mailboxLength).toBe(2);
    // ...and behind them a message (sent after them: messages from plain code and DOWNs from
    // processes elsewhere have no order between them).
    node.send(watcher, 'unrelated');
    await ask(node, inbox, watcher, { op: 'demonitor', ref, flush: true });
    expect(await drain(watcher)).toEqual([{ type: 'DOWN', ref: otherRef, pid: other, reason: 'killed' }, 'unrelated']);
  });

  it('demonitor without flush leaves an already delivered DOWN in the mailbox', async () => {
    await start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    node.exit(target, 'kill');
    expect(await awaitMessages(watcher, 1)).toBe(1);
    expect((await node.processInfo(watcher))!.mailboxLength).toBe(1);
    await ask(node, inbox, watcher, { op: 'demonitor', ref });
    expect(await drain(watcher)).toEqual([{ type: 'DOWN', ref, pid: target, reason: 'killed' }]);
  });

  it('gives every monitor on one target its own DOWN', async () => {
    await start();
    const w1 = agent();
    const w2 = agent();
    const target = agent();
    const r1 = await monitorFrom(w1, target);
    const r2 = await monitorFrom(w1, target);
    const r3 = await monitorFrom(w2, target);
    expect(new Set([r1, r2, r3]).size).toBe(3);
    const watchers = await until(async () => (await node.processInfo(target))!.monitoredBy, (m) => m.length === 3);
    expect([...watchers].sort()).toEqual([w1, w1, w2].sort());
    const exited = node.awaitExit(target);
    node.exit(target, { shutdown: 'all' });
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
    await start();
    const watcher = agent();
    const target = agent();
    await monitorFrom(watcher, target);
    const exited = node.awaitExit(watcher);
    node.send(watcher, { op: 'crash', message: 'watcher dies' });
    expect(await exited).toMatchObject({ error: { message: 'watcher dies' } });
    expect(await alive(target)).toBe(true);
    expect(await drain(target)).toEqual([]);
    // The dead watcher's monitor was removed from the target.
    expect((await node.processInfo(target))!.monitoredBy).toEqual([]);
  });

  it('a monitor does not make the target trap or die with the watcher when the target crashes', async () => {
    await start();
    const watcher = agent();
    const target = agent();
    const ref = await monitorFrom(watcher, target);
    node.send(target, { op: 'crash', message: 'target dies' });
    expect(await nextMessage(watcher)).toMatchObject({ type: 'DOWN', ref, pid: target, reason: { error: { message: 'target dies' } } });
    expect(await alive(watcher)).toBe(true);
  });
});
