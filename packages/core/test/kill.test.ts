import { afterEach, describe, expect, it } from 'vitest';
import type { ExitReason, Inbox, Pid, Ref } from '@strand/core';
import { Agent, ReportingSpinner, SpinningCleanup, WaitingCleanup, ask } from './fixtures/faults.js';
import { type TestNode, startNode } from './harness.js';

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

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(node, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

async function drain(pid: Pid): Promise<unknown[]> {
  return ((await ask(node, inbox, pid, { op: 'drain' })) as { messages: unknown[] }).messages;
}

async function alive(pid: Pid): Promise<boolean> {
  if ((await node.processInfo(pid)) === undefined) return false;
  expect(await ask(node, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

/** Everything the inbox gets until a sentinel sent now from plain code (all earlier messages are in). */
async function inboxSoFar(): Promise<unknown[]> {
  const id = Math.random();
  node.send(inbox.pid, { sentinel: id });
  const got: unknown[] = [];
  for (;;) {
    const m = await inbox.receive();
    if ((m as { sentinel?: number } | null)?.sentinel === id) return got;
    got.push(m);
  }
}

describe("exit(pid, 'kill')", () => {
  it("ends a trapping process; monitors and links see 'killed', and linked trapping processes get it as EXIT", async () => {
    await start();
    const victim = agent();
    await ask(node, inbox, victim, { op: 'trap', on: true });
    const watcher = agent();
    const { ref } = await ask<{ ref: Ref }>(node, inbox, watcher, { op: 'monitor', pid: victim });
    const linkedTrapper = agent();
    await ask(node, inbox, linkedTrapper, { op: 'trap', on: true });
    await ask(node, inbox, linkedTrapper, { op: 'link', pid: victim });
    const linkedPlain = agent();
    await ask(node, inbox, linkedPlain, { op: 'link', pid: victim });
    const victimExit = node.awaitExit(victim);
    const linkedPlainExit = node.awaitExit(linkedPlain);

    const killer = agent();
    await ask(node, inbox, killer, { op: 'exit', pid: victim, reason: 'kill' });

    expect(await victimExit).toBe('killed');
    expect(await nextMessage(watcher)).toEqual({ type: 'DOWN', ref, pid: victim, reason: 'killed' });
    // 'killed' arriving over a link is an ordinary reason: trappable, and fatal to non-trappers.
    expect(await nextMessage(linkedTrapper)).toEqual({ type: 'EXIT', from: victim, reason: 'killed' });
    expect(await alive(linkedTrapper)).toBe(true);
    expect(await linkedPlainExit).toBe('killed');
    // An exit signal is not a link: the killer lives on.
    expect(await alive(killer)).toBe(true);
  });

  it('kills a trapping process from plain code too', async () => {
    await start();
    const victim = agent();
    await ask(node, inbox, victim, { op: 'trap', on: true });
    const exited = node.awaitExit(victim);
    node.exit(victim, 'kill');
    expect(await exited).toBe('killed');
  });

  it("exit(self(), 'kill') ends even a trapping caller, with reason 'killed'", async () => {
    await start();
    const pid = agent();
    await ask(node, inbox, pid, { op: 'trap', on: true });
    const exited = node.awaitExit(pid);
    node.send(pid, { op: 'exitSelf', reason: 'kill' });
    expect(await exited).toBe('killed');
  });

  it('ends a process stuck in an infinite yielding loop (killed from plain code)', async () => {
    await start();
    const spinner = node.spawn(ReportingSpinner, inbox.pid);
    const exited = node.awaitExit(spinner);
    expect(await inbox.receive()).toEqual({ started: spinner });
    expect((await node.processInfo(spinner))!.reductions).toBeGreaterThan(0);
    node.exit(spinner, 'kill');
    expect(await exited).toBe('killed');
    expect(await node.processInfo(spinner)).toBeUndefined();
  });

  it('ends a process stuck in an infinite yielding loop (killed by another process)', async () => {
    await start();
    const spinner = node.spawn(ReportingSpinner, inbox.pid);
    const exited = node.awaitExit(spinner);
    expect(await inbox.receive()).toEqual({ started: spinner });
    const killer = agent();
    await ask(node, inbox, killer, { op: 'exit', pid: spinner, reason: 'kill' });
    expect(await exited).toBe('killed');
  });

  it.each([false, true])(
    'runs the finally blocks of a process killed while waiting in receive, as that process, before its monitors are told (trapping: %s)',
    async (trap) => {
      await start();
      const watcher = agent();
      const victim = node.spawn(WaitingCleanup, watcher, trap);
      const { ref } = await ask<{ ref: Ref }>(node, inbox, watcher, { op: 'monitor', pid: victim });
      expect(await nextMessage(watcher)).toEqual({ ready: victim });
      expect((await node.processInfo(victim))!.status).toBe('waiting');
      const exited = node.awaitExit(victim);
      node.exit(victim, 'kill');
      expect(await exited).toBe('killed');
      expect(await drain(watcher)).toEqual([{ cleanup: victim }, { type: 'DOWN', ref, pid: victim, reason: 'killed' }]);
    },
  );

  it('runs the finally blocks of a process killed while runnable in a yielding loop', async () => {
    await start();
    const victim = node.spawn(SpinningCleanup, inbox.pid);
    expect(await inbox.receive()).toEqual({ ready: victim });
    const exited = node.awaitExit(victim);
    const killer = agent();
    await ask(node, inbox, killer, { op: 'exit', pid: victim, reason: 'kill' });
    expect(await exited).toBe('killed');
    expect(await inboxSoFar()).toEqual([{ cleanup: victim }]);
  });

  it.each<[string, ExitReason, ExitReason]>([
    ['{ shutdown: x }', { shutdown: 'self' }, { shutdown: 'self' }],
    ['an { error }', { error: { name: 'Error', message: 'self' } }, { error: { name: 'Error', message: 'self' } }],
    ["'kill'", 'kill', 'killed'],
  ])('exit(self(), %s) takes effect at the next yield, not before', async (_label, reason, expected) => {
    await start();
    const pid = agent();
    const exited = node.awaitExit(pid);
    node.send(pid, { op: 'exitSelf', reason });
    expect(await exited).toEqual(expected);
    // The code between exit(self()) and the next yield ran; the code after it did not.
    expect(await inboxSoFar()).toEqual([{ from: pid, op: 'exitSelf', stage: 'called' }]);
  });
});
