import { afterEach, describe, expect, it } from 'vitest';
import { OUTSIDE, type ExitReason, type Inbox, type Pid } from '@strand/core';
import { Agent, ask } from './fixtures/faults.js';
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

async function trapping(): Promise<Pid> {
  const pid = agent();
  expect(await ask(node, inbox, pid, { op: 'trap', on: true })).toEqual({ from: pid, op: 'trap', previous: false });
  return pid;
}

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(node, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

async function alive(pid: Pid): Promise<boolean> {
  if ((await node.processInfo(pid)) === undefined) return false;
  expect(await ask(node, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

describe('trapExit', () => {
  it('turns the exit signal of a crashed linked process into an EXIT message', async () => {
    await start();
    const trapper = await trapping();
    const child = agent();
    await ask(node, inbox, trapper, { op: 'link', pid: child });
    node.send(child, { op: 'crash', message: 'boom' });
    const reason = await node.awaitExit(child);
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'boom' } });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: child, reason });
    expect(await alive(trapper)).toBe(true);
    expect((await node.processInfo(trapper))!.links).toEqual([]);
  });

  it('delivers EXIT with reason normal when a linked process ends normally', async () => {
    await start();
    const trapper = await trapping();
    const child = agent();
    await ask(node, inbox, trapper, { op: 'link', pid: child });
    node.send(child, { op: 'return' });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: child, reason: 'normal' });
  });

  it.each<[string, ExitReason]>([
    ['normal', 'normal'],
    ['shutdown', 'shutdown'],
    ['{ shutdown: x }', { shutdown: { why: 'maintenance', code: 7 } }],
    ['{ error }', { error: { name: 'Error', message: 'remote' } }],
  ])('turns exit(pid, %s) from another process into an EXIT message', async (_label, reason) => {
    await start();
    const trapper = await trapping();
    const sender = agent();
    await ask(node, inbox, sender, { op: 'exit', pid: trapper, reason });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: sender, reason });
    expect(await alive(trapper)).toBe(true);
    // An exit signal is not a link: the sender is unaffected.
    expect(await alive(sender)).toBe(true);
  });

  it('turns an Error passed to exit into an EXIT message with an { error } reason', async () => {
    await start();
    const trapper = await trapping();
    const sender = agent();
    await ask(node, inbox, sender, { op: 'exit', pid: trapper, reason: new RangeError('out of range') });
    expect(await nextMessage(trapper)).toMatchObject({
      type: 'EXIT',
      from: sender,
      reason: { error: { name: 'RangeError', message: 'out of range' } },
    });
  });

  it('reports exit signals from plain code as coming from OUTSIDE', async () => {
    await start();
    const trapper = await trapping();
    node.exit(trapper, { shutdown: 'from outside' });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: OUTSIDE, reason: { shutdown: 'from outside' } });
  });

  it('returns the previous flag', async () => {
    await start();
    const pid = agent();
    expect((await node.processInfo(pid))!.trapExit).toBe(false);
    expect(await ask(node, inbox, pid, { op: 'trap', on: true })).toMatchObject({ previous: false });
    expect((await node.processInfo(pid))!.trapExit).toBe(true);
    expect(await ask(node, inbox, pid, { op: 'trap', on: true })).toMatchObject({ previous: true });
    expect(await ask(node, inbox, pid, { op: 'trap', on: false })).toMatchObject({ previous: true });
    expect((await node.processInfo(pid))!.trapExit).toBe(false);
    expect(await ask(node, inbox, pid, { op: 'trap', on: false })).toMatchObject({ previous: false });
  });

  it('once turned off again, exit signals end the process', async () => {
    await start();
    const pid = await trapping();
    await ask(node, inbox, pid, { op: 'trap', on: false });
    const exited = node.awaitExit(pid);
    node.exit(pid, 'shutdown');
    expect(await exited).toBe('shutdown');
  });

  it('exit(pid, normal) does not end another process that does not trap exits', async () => {
    await start();
    const target = agent();
    const sender = agent();
    await ask(node, inbox, sender, { op: 'exit', pid: target, reason: 'normal' });
    node.exit(target, 'normal'); // from plain code, too
    expect(await alive(target)).toBe(true);
    // Ignored, not turned into a message.
    expect(await ask(node, inbox, target, { op: 'drain' })).toEqual({ from: target, op: 'drain', messages: [] });
  });

  it('exit(self(), normal) ends the caller with reason normal', async () => {
    await start();
    const pid = agent();
    const exited = node.awaitExit(pid);
    node.send(pid, { op: 'exitSelf', reason: 'normal' });
    expect(await exited).toBe('normal');
  });

  it('exit(self(), normal) in a trapping process is an EXIT message from itself', async () => {
    await start();
    const pid = await trapping();
    node.send(pid, { op: 'exitSelf', reason: 'normal' });
    expect(await inbox.receive({ from: pid, op: 'exitSelf', stage: 'after-yield' })).toBeDefined();
    expect(await nextMessage(pid)).toEqual({ type: 'EXIT', from: pid, reason: 'normal' });
    expect(await alive(pid)).toBe(true);
  });
});
