import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess, membersOnceRejoined } from './node-process.js';


// The cluster's only NATS server stops and starts again (same port, same JetStream store): a netsplit that heals.
describe.skipIf(skipWithoutNats)('a NATS server restart', () => {
  let server: NatsServer;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    [a, b] = await Promise.all([NodeProcess.start(server.url, 'a', 'restart'), NodeProcess.start(server.url, 'b', 'restart')]);
  }, 90_000);

  afterAll(async () => {
    await server?.start();
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await server?.stop();
  }, 60_000);

  it('cuts both nodes off (links and monitors end with noconnection on both sides, what is sent meanwhile is counted as dropped), then they rejoin and messages, links and global names work again', async () => {
    const watcher = await a.spawnAgent();
    const partner = await a.spawnAgent();
    const target = await b.spawnAgent();
    const bWatcher = await b.spawnAgent();
    const named = await a.spawnAgent();
    expect((await a.request('registerGlobal', { name: 'kept', pid: named })).registered).toBe(true);
    for (const [node, agent] of [
      [a, watcher],
      [b, bWatcher],
    ] as const) {
      await node.tell(agent, { op: 'trap' });
      await node.report(agent, (r) => r.op === 'trap');
    }
    await a.tell(watcher, { op: 'link', pid: target });
    await a.report(watcher, (r) => r.op === 'link');
    await a.tell(watcher, { op: 'monitor', pid: target });
    const { ref } = await a.report(watcher, (r) => r.op === 'monitor');
    await b.tell(bWatcher, { op: 'link', pid: partner });
    await b.report(bWatcher, (r) => r.op === 'link');
    // Sent after the link and the monitor, on the same pairs: once these arrive, so have they.
    await a.tell(watcher, { op: 'send', to: target, count: 1 });
    await b.report(target, (r) => r.got?.from === watcher);
    await b.tell(bWatcher, { op: 'send', to: partner, count: 1 });
    await a.report(partner, (r) => r.got?.from === bWatcher);

    await server.halt();
    await a.waitFor((l) => l.event === 'connection' && l.type === 'disconnected', 'disconnected');
    await b.waitFor((l) => l.event === 'connection' && l.type === 'disconnected', 'disconnected');
    expect((await a.report(watcher, (r) => r.got?.type === 'EXIT')).got).toEqual({ type: 'EXIT', from: target, reason: 'noconnection' });
    expect((await a.report(watcher, (r) => r.got?.type === 'DOWN')).got).toEqual({ type: 'DOWN', ref, pid: target, reason: 'noconnection' });
    expect((await b.report(bWatcher, (r) => r.got?.type === 'EXIT')).got).toEqual({ type: 'EXIT', from: partner, reason: 'noconnection' });
    // A link partner that does not trap exits goes down with the split, as in Erlang.
    expect((await b.request('awaitExit', { pid: target })).reason).toBe('noconnection');
    await a.request('send', { to: bWatcher, message: 'sent while cut off' });

    await server.start();
    const back = await a.waitFor((l) => l.event === 'connection' && l.type === 'reconnected', 'reconnected');
    expect(back.dropped).toBeGreaterThanOrEqual(1);
    expect(back.namesLost).toEqual([]);
    await b.waitFor((l) => l.event === 'connection' && l.type === 'reconnected', 'reconnected');

    expect(await membersOnceRejoined([a, b])).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(b.reports(bWatcher).some((r) => r.got === 'sent while cut off')).toBe(false);

    // Messages, links and monitors across the nodes work again; the global name held through the split still resolves.
    const fresh = await b.spawnAgent();
    await a.request('send', { to: fresh, message: 'after the restart' });
    expect((await b.report(fresh, (r) => r.got !== undefined)).got).toBe('after the restart');
    await a.tell(watcher, { op: 'monitor', pid: fresh });
    const again = await a.report(watcher, (r) => r.op === 'monitor' && r.ref !== ref);
    // Sent after the monitor on the same pair: once it arrives, the monitor is in place.
    await a.tell(watcher, { op: 'send', to: fresh, count: 1 });
    await b.report(fresh, (r) => r.got?.from === watcher);
    await b.request('kill', { pid: fresh });
    expect((await a.report(watcher, (r) => r.got?.type === 'DOWN' && r.got.ref === again.ref)).got).toMatchObject({ pid: fresh, reason: 'killed' });
    expect((await b.request('whereisGlobal', { name: 'kept' })).pid).toBe(named);
  });
});
