// The `remote` hook that makes a runtime a node of a cluster, with no NATS:
// two runtimes in this process, joined by an in-memory transport.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type Inbox, type Pid } from '@strand/core';
import { nodeOf } from '@strand/core/runtime';
import { type RemoteHost, type RemoteNodes, type Runtime, Strand } from '@strand/pool';
import { Echo, type Reply, Watcher } from './fixtures/pool-actors.js';
import { SendsShared } from './fixtures/remote-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;

/** Carries encoded envelopes to the runtime of another node in this process, in order (one setImmediate queue). */
class InMemoryNodes implements RemoteNodes {
  host: RemoteHost | undefined;

  constructor(
    readonly node: number,
    private readonly peers: Map<number, InMemoryNodes>,
  ) {
    peers.set(node, this);
  }

  attach(host: RemoteHost): void {
    this.host = host;
  }

  send(to: Pid, encoded: Uint8Array): void {
    const peer = this.peers.get(nodeOf(to));
    setImmediate(() => {
      if (peer === undefined) this.host!.unreachable(encoded);
      else {
        peer.host!.deliver(to, encoded);
        peer.host!.flush();
      }
    });
  }

  async close(): Promise<void> {}
}

const runtimes: Runtime[] = [];
/** Outcome bound for a test that starts two runtimes (four worker threads): generous, for a loaded machine. */
const TWO_RUNTIMES_MS = 60_000;

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
}, TWO_RUNTIMES_MS);

async function twoNodes(): Promise<{ a: Runtime; b: Runtime; nodeB: InMemoryNodes }> {
  const peers = new Map<number, InMemoryNodes>();
  const nodeB = new InMemoryNodes(2, peers);
  const [a, b] = await Promise.all([
    Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, remote: async () => new InMemoryNodes(1, peers) }),
    Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, remote: async () => nodeB }),
  ]);
  runtimes.push(a, b);
  return { a, b, nodeB };
}

describe('the remote hook', { timeout: TWO_RUNTIMES_MS }, () => {
  it('writes the node into every pid, and carries a call from one node to a worker of the other and back', async () => {
    const { a, b } = await twoNodes();
    const echo = a.spawnOn(1, Echo);
    const inbox: Inbox = b.inbox();
    expect(nodeOf(echo)).toBe(1);
    expect(nodeOf(inbox.pid)).toBe(2);
    for (let i = 0; i < 100; i++) b.send(echo, { from: inbox.pid, body: i });
    const replies: Reply[] = [];
    for (let i = 0; i < 100; i++) replies.push((await inbox.receive()) as Reply);
    expect(replies.map((r) => r.echo)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(replies.every((r) => r.by === echo)).toBe(true);
  });

  it('refuses at send, in a worker thread, what cannot be encoded for another node, and allows it within the node', async () => {
    const { a, b } = await twoNodes();
    const report = a.inbox();
    a.spawnOn(1, SendsShared, b.inbox().pid, report.pid);
    expect(await report.receive()).toEqual({ shared: 'UncloneableError' });
    a.spawnOn(1, SendsShared, a.spawnOn(2, Echo), report.pid);
    expect(await report.receive()).toEqual({ shared: null });
  });

  it('lostNode ends monitors in worker threads with noconnection', async () => {
    const { a, b, nodeB } = await twoNodes();
    const target = a.spawnOn(1, Echo);
    const inbox = b.inbox();
    b.spawnOn(1, Watcher, [target], inbox.pid, inbox.pid);
    await inbox.receive((m) => m === 'go');
    await inbox.receive((m) => typeof m === 'object' && m !== null && 'ready' in m);
    await nodeB.host!.lostNode(1);
    expect(await inbox.receive((m) => typeof m === 'object' && m !== null && 'down' in m)).toMatchObject({ down: target, reason: 'noconnection' });
  });

  it('answers a monitor of a pid on a node the transport cannot reach with DOWN noconnection', async () => {
    const { b } = await twoNodes();
    const inbox = b.inbox();
    const elsewhere = (9 * 2 ** 45 + 4096 + 1) as Pid;
    const ref = inbox.monitor(elsewhere);
    expect(await inbox.receive({ type: 'DOWN', ref })).toEqual({ type: 'DOWN', ref, pid: elsewhere, reason: 'noconnection' });
  });

  it('rejects a remote option that is not a function', async () => {
    await expect(Strand.start({ schedulers: 1, remote: 'nats://x' as never })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
