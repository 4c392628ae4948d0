import { afterEach, describe, expect, it } from 'vitest';
import type { CrashReport, Inbox, Pid, Ref } from '@strand/core';
import { Agent, LateMonitor, SpawnLinkParent, ask } from './fixtures/faults.js';
import { type TestNode, startNode } from './harness.js';

let node: TestNode;
let inbox: Inbox;
let crashes: CrashReport[];

afterEach(() => node?.stop());

async function start(): Promise<void> {
  crashes = [];
  node = await startNode({ onCrash: (report) => crashes.push(report) });
  inbox = node.inbox();
}

function agent(): Pid {
  return node.spawn(Agent, inbox.pid);
}

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(node, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

/** Everything the inbox gets until a sentinel sent now from plain code. */
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

describe('spawnLink', () => {
  it('is atomic: a child that crashes on its very first step still takes the parent down', async () => {
    await start();
    const parent = node.spawn(SpawnLinkParent, inbox.pid, false, 'first step');
    const parentExit = node.awaitExit(parent);
    const { child } = (await inbox.receive()) as { child: Pid };
    const reason = await parentExit;
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'first step' } });
    expect(crashes.map((c) => c.pid)).toEqual([child]);
    expect(crashes[0]!.reason).toEqual(reason);
    // The parent never got to receive anything.
    expect(await inboxSoFar()).toEqual([]);
  });

  it('delivers EXIT to a trapping parent when the child crashes on its very first step', async () => {
    await start();
    const parent = node.spawn(SpawnLinkParent, inbox.pid, true, 'first step');
    const { child } = (await inbox.receive()) as { child: Pid };
    expect(await inbox.receive()).toMatchObject({
      got: { type: 'EXIT', from: child, reason: { error: { name: 'Error', message: 'first step' } } },
    });
    expect(await node.processInfo(parent)).toBeDefined();
  });

  it('a child that ends normally at once gives a trapping parent EXIT normal, not noproc', async () => {
    await start();
    const parent = agent();
    await ask(node, inbox, parent, { op: 'trap', on: true });
    const { pid: child } = await ask<{ pid: Pid }>(node, inbox, parent, { op: 'spawn', actor: 'Returner', how: 'link' });
    expect(await nextMessage(parent)).toEqual({ type: 'EXIT', from: child, reason: 'normal' });
  });
});

describe('spawnMonitor', () => {
  it('monitors before the child runs: a child that ends at once gives DOWN normal, not noproc', async () => {
    await start();
    const parent = agent();
    const { pid: child, ref } = await ask<{ pid: Pid; ref: Ref }>(node, inbox, parent, {
      op: 'spawn',
      actor: 'Returner',
      how: 'monitor',
    });
    expect(await nextMessage(parent)).toEqual({ type: 'DOWN', ref, pid: child, reason: 'normal' });
  });

  it('a child that crashes on its first step gives DOWN with the crash reason', async () => {
    await start();
    const parent = agent();
    const { pid: child, ref } = await ask<{ pid: Pid; ref: Ref }>(node, inbox, parent, {
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
    expect(await node.processInfo(parent)).toBeDefined();
  });
});

describe('a child dying before anyone monitors it', () => {
  it('monitoring it after its death gives DOWN noproc', async () => {
    await start();
    const parent = node.spawn(LateMonitor, inbox.pid);
    const { child } = (await inbox.receive()) as { child: Pid };
    await node.awaitExit(child);
    expect(await node.processInfo(child)).toBeUndefined();
    node.send(parent, 'go');
    const { ref, down } = (await inbox.receive()) as { ref: Ref; down: unknown };
    expect(down).toEqual({ type: 'DOWN', ref, pid: child, reason: 'noproc' });
  });
});
