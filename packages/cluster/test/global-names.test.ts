import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess } from './node-process.js';

/** Names raced for at once by two nodes: each race must have exactly one winner. */
const RACES = 8;

describe.skipIf(skipWithoutNats)('global names', () => {
  let server: NatsServer;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    [a, b] = await Promise.all([NodeProcess.start(server.url, 'a', 'names'), NodeProcess.start(server.url, 'b', 'names')]);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await server?.stop();
  }, 60_000);

  it('two nodes register the same name at once: exactly one wins, and every node sees the winner', async () => {
    for (let race = 0; race < RACES; race++) {
      const name = `race-${race}`;
      const [pa, pb] = await Promise.all([a.spawnAgent(), b.spawnAgent()]);
      const [ra, rb] = await Promise.all([a.request('registerGlobal', { name, pid: pa }), b.request('registerGlobal', { name, pid: pb })]);
      expect([ra.registered, rb.registered].filter(Boolean)).toHaveLength(1);
      const winner = ra.registered ? pa : pb;
      expect((await a.request('whereisGlobal', { name })).pid).toBe(winner);
      expect((await b.request('whereisGlobal', { name })).pid).toBe(winner);
    }
  });

  it('sends by global name to a process on another node', async () => {
    const holder = await b.spawnAgent();
    expect((await b.request('registerGlobal', { name: 'greeter', pid: holder })).registered).toBe(true);
    await a.request('sendGlobal', { name: 'greeter', message: 'hello by name' });
    expect((await b.report(holder, (r) => r.got !== undefined)).got).toBe('hello by name');
    await expect(a.request('sendGlobal', { name: 'nobody', message: 1 })).rejects.toMatchObject({ name: 'NotRegisteredError' });
  });

  it('releases a name when its process exits, so another node can take it', async () => {
    const first = await a.spawnAgent();
    expect((await a.request('registerGlobal', { name: 'leader', pid: first })).registered).toBe(true);
    const second = await b.spawnAgent();
    expect((await b.request('registerGlobal', { name: 'leader', pid: second })).registered).toBe(false);
    await a.request('kill', { pid: first });
    // The release follows the exit, on a's own schedule: b retries until it holds the name.
    let registered = false;
    for (const deadline = Date.now() + 20_000; !registered && Date.now() < deadline; ) {
      registered = (await b.request('registerGlobal', { name: 'leader', pid: second })).registered as boolean;
    }
    expect(registered).toBe(true);
    expect((await a.request('whereisGlobal', { name: 'leader' })).pid).toBe(second);
  });

  it('from inside processes: two processes on two nodes race for a name, one wins, and a third process sends to it by name', async () => {
    const [pa, pb, sender] = await Promise.all([a.spawnAgent(), b.spawnAgent(), b.spawnAgent()]);
    await Promise.all([a.tell(pa, { op: 'registerSelf', name: 'in-process' }), b.tell(pb, { op: 'registerSelf', name: 'in-process' })]);
    const [ra, rb] = await Promise.all([a.report(pa, (r) => r.op === 'registerSelf'), b.report(pb, (r) => r.op === 'registerSelf')]);
    expect([ra.registered, rb.registered].filter(Boolean)).toHaveLength(1);
    const [winner, winnerNode] = ra.registered ? [pa, a] : [pb, b];
    await b.tell(sender, { op: 'whereisGlobal', name: 'in-process' });
    expect((await b.report(sender, (r) => r.op === 'whereisGlobal')).pid).toBe(winner);
    await b.tell(sender, { op: 'sendGlobal', name: 'in-process', message: 'by name, from a process' });
    expect((await b.report(sender, (r) => r.op === 'sendGlobal')).error).toBeNull();
    expect((await winnerNode.report(winner, (r) => r.got !== undefined)).got).toBe('by name, from a process');
    await b.tell(sender, { op: 'sendGlobal', name: 'nobody-here', message: 1 });
    expect((await b.report(sender, (r) => r.op === 'sendGlobal' && r.error !== null)).error).toBe('NotRegisteredError');
  });

  it('refuses a pid of another node, and a bad name, with typed errors', async () => {
    const onB = await b.spawnAgent();
    await expect(a.request('registerGlobal', { name: 'x', pid: onB })).rejects.toMatchObject({ name: 'ForeignPidError' });
    await expect(a.request('registerGlobal', { name: '', pid: await a.spawnAgent() })).rejects.toMatchObject({ name: 'InvalidNameError' });
  });
});
