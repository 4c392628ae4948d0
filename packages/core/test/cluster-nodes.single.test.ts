import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, UncloneableError, formatPid, type Inbox, type Pid } from '@strand/core';
import { nodeOf, ownerOf, serialOf, type Envelope, type Router } from '@strand/core/runtime';
import { Agent, ask } from './fixtures/faults.js';

// Two schedulers that stand for two cluster nodes: each one's router hands
// envelopes for the other node's pids to it (after the current turn, like a
// wire), so the core's side of a cluster is tested without one.

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

/** A router for a scheduler alone on its node: only other nodes' pids leave it. */
function wire(peers: Map<number, Scheduler>, encode?: (envelope: Envelope) => void): Router {
  return {
    forward: () => {
      throw new Error('one scheduler per node here');
    },
    forwardMessage: () => {
      throw new Error('one scheduler per node here');
    },
    forwardRemote: (envelope) => {
      encode?.(envelope);
      const peer = peers.get(nodeOf(envelope.to));
      if (peer === undefined) throw new Error(`no node ${nodeOf(envelope.to)}`);
      queueMicrotask(() => peer.acceptRemote(envelope));
    },
  };
}

function twoNodes(encode?: (envelope: Envelope) => void): { a: Scheduler; b: Scheduler; inboxA: Inbox; inboxB: Inbox } {
  const peers = new Map<number, Scheduler>();
  const a = new Scheduler({ node: 1, router: wire(peers, encode), onCrash: () => {} });
  const b = new Scheduler({ node: 2, router: wire(peers, encode), onCrash: () => {} });
  peers.set(1, a).set(2, b);
  schedulers.push(a, b);
  return { a, b, inboxA: a.inbox(), inboxB: b.inbox() };
}

describe('pids of cluster nodes', () => {
  it('carry their node, and keep owner and serial as before', () => {
    const { a, b, inboxA, inboxB } = twoNodes();
    expect(nodeOf(inboxA.pid)).toBe(1);
    expect(nodeOf(inboxB.pid)).toBe(2);
    expect(ownerOf(inboxB.pid)).toBe(0);
    expect(serialOf(inboxB.pid)).toBe(1);
    expect(formatPid(inboxB.pid)).toBe('<2:0.1.0>');
    expect(a.node).toBe(1);
    expect(b.node).toBe(2);
  });

  it('are unchanged outside a cluster (node 0)', () => {
    const s = new Scheduler({ onCrash: () => {} });
    schedulers.push(s);
    const pid = s.inbox().pid;
    expect(nodeOf(pid)).toBe(0);
    expect(pid).toBe(1 * 4096);
    expect(formatPid(pid)).toBe('<0.1.0>');
  });

  it('rejects a node outside 0..255', () => {
    expect(() => new Scheduler({ node: 256 })).toThrow(/option node must be an integer from 0 to 255/);
  });
});

describe('signals between nodes (core side)', () => {
  it('delivers messages to another node in send order', async () => {
    const { a, inboxB } = twoNodes();
    for (let i = 0; i < 100; i++) a.send(inboxB.pid, i);
    const got: number[] = [];
    for (let i = 0; i < 100; i++) got.push(await inboxB.receive());
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('links and monitors across nodes, and the remote exit reason arrives', async () => {
    const { a, b, inboxA } = twoNodes();
    const watcher = a.spawn(Agent, inboxA.pid);
    const target = b.spawn(Agent, inboxA.pid);
    await ask(a, inboxA, watcher, { op: 'trap', on: true });
    await ask(a, inboxA, watcher, { op: 'link', pid: target });
    const { ref } = await ask<{ ref: string }>(a, inboxA, watcher, { op: 'monitor', pid: target });
    // The link and monitor reached node 2 before this ping, which went the same way.
    b.send(target, { op: 'ping' });
    await inboxA.receive({ from: target, op: 'ping' });
    b.send(target, { op: 'crash', message: 'boom' });
    await ask(a, inboxA, watcher, { op: 'await', count: 2 });
    const { messages } = await ask<{ messages: unknown[] }>(a, inboxA, watcher, { op: 'drain' });
    expect(messages).toContainEqual(expect.objectContaining({ type: 'EXIT', from: target, reason: expect.objectContaining({ error: expect.objectContaining({ message: 'boom' }) }) }));
    expect(messages).toContainEqual(expect.objectContaining({ type: 'DOWN', ref, pid: target }));
  });

  it('ends links and monitors to a lost node with noconnection', async () => {
    const { a, b, inboxA } = twoNodes();
    const watcher = a.spawn(Agent, inboxA.pid);
    const target = b.spawn(Agent, inboxA.pid);
    await ask(a, inboxA, watcher, { op: 'trap', on: true });
    await ask(a, inboxA, watcher, { op: 'link', pid: target });
    const { ref } = await ask<{ ref: string }>(a, inboxA, watcher, { op: 'monitor', pid: target });
    a.lostNode(2);
    await ask(a, inboxA, watcher, { op: 'await', count: 2 });
    const { messages } = await ask<{ messages: unknown[] }>(a, inboxA, watcher, { op: 'drain' });
    expect(messages).toEqual(
      expect.arrayContaining([
        { type: 'EXIT', from: target, reason: 'noconnection' },
        { type: 'DOWN', ref, pid: target, reason: 'noconnection' },
      ]),
    );
  });

  it('answers a monitor of a pid on a node it cannot reach with noconnection', async () => {
    const s = new Scheduler({ node: 1, onCrash: () => {} });
    schedulers.push(s);
    const inbox = s.inbox();
    const unreachable = (3 * 2 ** 45 + 4096 + 1) as Pid;
    expect(await s.awaitExit(unreachable)).toBe('noconnection');
    const ref = inbox.monitor(unreachable);
    expect(await inbox.receive({ type: 'DOWN', ref })).toEqual({ type: 'DOWN', ref, pid: unreachable, reason: 'noconnection' });
  });

  it('throws at send when the router cannot encode the message, and keeps running', async () => {
    const { a, inboxB } = twoNodes((envelope) => {
      if (envelope.kind === 'message' && envelope.message instanceof SharedArrayBuffer) throw new UncloneableError('message is a SharedArrayBuffer');
    });
    expect(() => a.send(inboxB.pid, new SharedArrayBuffer(8))).toThrow(UncloneableError);
    a.send(inboxB.pid, 'after');
    expect(await inboxB.receive()).toBe('after');
  });
});
