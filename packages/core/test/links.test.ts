import { afterEach, describe, expect, it } from 'vitest';
import type { CrashReport, Inbox, Pid } from '@strand/core';
import { Agent, ask } from './fixtures/faults.js';
import { type TestNode, startNode, until } from './harness.js';

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

async function alive(pid: Pid): Promise<boolean> {
  if ((await node.processInfo(pid)) === undefined) return false;
  expect(await ask(node, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

/** A pid no scheduler ever handed out. */
const NEVER_SPAWNED = (1_000_000 * 64) as Pid;

describe('links', () => {
  it('a crash kills the linked process with the same reason', async () => {
    await start();
    const a = agent();
    const b = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    const aExit = node.awaitExit(a);
    const bExit = node.awaitExit(b);
    node.send(b, { op: 'crash', message: 'boom' });
    const reason = await bExit;
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'boom' } });
    expect(await aExit).toEqual(reason);
    // Only the process that threw is a crash; the linked one was taken down.
    expect(crashes.map((c) => c.pid)).toEqual([b]);
  });

  it('exit(pid, reason) from another process kills the processes linked to the target', async () => {
    await start();
    const a = agent();
    const b = agent();
    const killer = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    const aExit = node.awaitExit(a);
    const bExit = node.awaitExit(b);
    await ask(node, inbox, killer, { op: 'exit', pid: b, reason: { shutdown: 'bye' } });
    expect(await bExit).toEqual({ shutdown: 'bye' });
    expect(await aExit).toEqual({ shutdown: 'bye' });
    expect(await alive(killer)).toBe(true);
  });

  it('propagates transitively along a chain of links', async () => {
    await start();
    const chain = [agent(), agent(), agent(), agent(), agent()];
    for (let i = 0; i + 1 < chain.length; i++) {
      await ask(node, inbox, chain[i]!, { op: 'link', pid: chain[i + 1]! });
    }
    const exits = chain.map((pid) => node.awaitExit(pid));
    node.send(chain[4]!, { op: 'crash', message: 'chain' });
    const reasons = await Promise.all(exits);
    for (const reason of reasons) expect(reason).toMatchObject({ error: { message: 'chain' } });
    expect(crashes.map((c) => c.pid)).toEqual([chain[4]]);
    // The whole chain is gone.
    expect(await Promise.all(chain.map((pid) => node.processInfo(pid)))).toEqual(chain.map(() => undefined));
  });

  it('a normal exit does not kill linked processes, and removes the link', async () => {
    await start();
    const a = agent();
    const b = agent();
    const c = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    await ask(node, inbox, b, { op: 'link', pid: c });
    node.send(b, { op: 'return' });
    expect(await node.awaitExit(b)).toBe('normal');
    expect(await alive(a)).toBe(true);
    expect(await alive(c)).toBe(true);
    expect((await node.processInfo(a))!.links).toEqual([]);
    expect((await node.processInfo(c))!.links).toEqual([]);
    // And no EXIT message reached them either (they do not trap).
    expect(await ask(node, inbox, a, { op: 'drain' })).toEqual({ from: a, op: 'drain', messages: [] });
  });

  it('unlink stops propagation', async () => {
    await start();
    const a = agent();
    const b = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    await ask(node, inbox, a, { op: 'unlink', pid: b });
    expect((await node.processInfo(a))!.links).toEqual([]);
    expect((await node.processInfo(b))!.links).toEqual([]);
    node.send(b, { op: 'crash', message: 'alone' });
    expect(await node.awaitExit(b)).toMatchObject({ error: { message: 'alone' } });
    expect(await alive(a)).toBe(true);
  });

  it('unlink by the other side also removes both halves of the link', async () => {
    await start();
    const a = agent();
    const b = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    await ask(node, inbox, b, { op: 'unlink', pid: a });
    expect((await node.processInfo(a))!.links).toEqual([]);
    node.send(a, { op: 'crash', message: 'linker dies' });
    expect(await node.awaitExit(a)).toMatchObject({ error: { message: 'linker dies' } });
    expect(await alive(b)).toBe(true);
  });

  it('is bidirectional: the death of the process that called link kills the other one', async () => {
    await start();
    const a = agent();
    const b = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    expect((await node.processInfo(a))!.links).toEqual([b]);
    expect(await until(async () => (await node.processInfo(b))!.links, (links) => links.length === 1)).toEqual([a]);
    const bExit = node.awaitExit(b);
    node.send(a, { op: 'crash', message: 'linker' });
    expect(await bExit).toMatchObject({ error: { message: 'linker' } });
  });

  it('exit(pid, reason) to a linked process comes back over the link and ends the sender too', async () => {
    await start();
    const a = agent();
    const b = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    const aExit = node.awaitExit(a);
    const bExit = node.awaitExit(b);
    await ask(node, inbox, a, { op: 'exit', pid: b, reason: 'shutdown' });
    expect(await bExit).toBe('shutdown');
    expect(await aExit).toBe('shutdown');
  });

  it('links are a set: linking twice and unlinking once leaves no link', async () => {
    await start();
    const a = agent();
    const b = agent();
    await ask(node, inbox, a, { op: 'link', pid: b });
    await ask(node, inbox, b, { op: 'link', pid: a });
    await ask(node, inbox, a, { op: 'link', pid: b });
    expect((await node.processInfo(a))!.links).toEqual([b]);
    await ask(node, inbox, a, { op: 'unlink', pid: b });
    expect(await until(async () => (await node.processInfo(b))!.links, (links) => links.length === 0)).toEqual([]);
    node.send(b, { op: 'crash', message: 'after unlink' });
    await node.awaitExit(b);
    expect(await alive(a)).toBe(true);
  });

  it('linking to a dead pid ends the caller with reason noproc', async () => {
    await start();
    const dead = agent();
    node.send(dead, { op: 'return' });
    expect(await node.awaitExit(dead)).toBe('normal');
    const a = agent();
    const aExit = node.awaitExit(a); // before it can die: awaitExit of a dead pid is 'noproc' too
    await ask(node, inbox, a, { op: 'link', pid: dead });
    expect(await aExit).toBe('noproc');
  });

  it('linking to a pid that never existed ends the caller with reason noproc', async () => {
    await start();
    const a = agent();
    const aExit = node.awaitExit(a);
    await ask(node, inbox, a, { op: 'link', pid: NEVER_SPAWNED });
    expect(await aExit).toBe('noproc');
  });

  it('linking to a dead pid while trapping exits is an EXIT message with noproc', async () => {
    await start();
    const dead = agent();
    node.send(dead, { op: 'return' });
    await node.awaitExit(dead);
    const a = agent();
    await ask(node, inbox, a, { op: 'trap', on: true });
    await ask(node, inbox, a, { op: 'link', pid: dead });
    expect(await ask(node, inbox, a, { op: 'next' })).toEqual({
      from: a,
      op: 'next',
      message: { type: 'EXIT', from: dead, reason: 'noproc' },
    });
    expect((await node.processInfo(a))!.links).toEqual([]);
    expect(await alive(a)).toBe(true);
  });
});
