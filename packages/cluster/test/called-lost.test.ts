import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess, membersOnceRejoined } from './node-process.js';

/** Longer than the fixture nodes' loss window (5 beats of 1 s): the other node must call the stalled one lost. */
const STALL_MS = 9_000;

// A node whose main thread stalls past the loss window is called lost while still connected: it finds out, and rejoins.
describe.skipIf(skipWithoutNats)('a node called lost while it still runs', () => {
  let server: NatsServer;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    [a, b] = await Promise.all([NodeProcess.start(server.url, 'a', 'stall'), NodeProcess.start(server.url, 'b', 'stall')]);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await server?.stop();
  }, 60_000);

  it('links end with noconnection on both sides, then it rejoins with its global names and messages flow again', async () => {
    const aWatcher = await a.spawnAgent();
    const bWatcher = await b.spawnAgent();
    const named = await a.spawnAgent();
    expect((await a.request('registerGlobal', { name: 'held-through', pid: named })).registered).toBe(true);
    for (const [node, agent] of [
      [a, aWatcher],
      [b, bWatcher],
    ] as const) {
      await node.tell(agent, { op: 'trap' });
      await node.report(agent, (r) => r.op === 'trap');
    }
    await b.tell(bWatcher, { op: 'link', pid: aWatcher });
    await b.report(bWatcher, (r) => r.op === 'link');
    // Sent after the link on the same pair: once it arrives, both halves of the link are in place.
    await b.tell(bWatcher, { op: 'send', to: aWatcher, count: 1 });
    await a.report(aWatcher, (r) => r.got?.from === bWatcher);

    await a.request('stall', { ms: STALL_MS });

    expect((await b.report(bWatcher, (r) => r.got?.type === 'EXIT')).got).toEqual({ type: 'EXIT', from: aWatcher, reason: 'noconnection' });
    expect((await a.report(aWatcher, (r) => r.got?.type === 'EXIT')).got).toEqual({ type: 'EXIT', from: bWatcher, reason: 'noconnection' });
    expect(await a.waitFor((l) => l.event === 'connection' && l.type === 'disconnected', 'disconnected')).toMatchObject({ cause: 'called-lost' });
    expect(await a.waitFor((l) => l.event === 'connection' && l.type === 'reconnected', 'reconnected')).toMatchObject({ namesLost: [] });

    expect(await membersOnceRejoined([a, b])).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    // The others released its name when they lost it; back, it registered the name again for the same live process.
    expect((await b.request('whereisGlobal', { name: 'held-through' })).pid).toBe(named);
    await b.request('send', { to: named, message: 'after the rejoin' });
    expect((await a.report(named, (r) => r.got !== undefined)).got).toBe('after the rejoin');
  });
});
