import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess } from './node-process.js';

/** Bound on polling for an outcome (names released, a member gone): not a speed limit. */
const OUTCOME_WAIT_MS = 20_000;

describe.skipIf(skipWithoutNats)('a lost node', () => {
  let server: NatsServer;
  let a: NodeProcess;
  let doomed: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    [a, doomed] = await Promise.all([NodeProcess.start(server.url, 'a', 'loss'), NodeProcess.start(server.url, 'doomed', 'loss')]);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), doomed?.kill9()]);
    await server?.stop();
  }, 60_000);

  it('killed with kill -9: links and monitors on the other node end with noconnection, and its global names are released', async () => {
    const watcher = await a.spawnAgent();
    const linked = await a.spawnAgent();
    const target = await doomed.spawnAgent();
    expect((await doomed.request('registerGlobal', { name: 'doomed-service', pid: target })).registered).toBe(true);
    await a.tell(watcher, { op: 'trap' });
    await a.report(watcher, (r) => r.op === 'trap');
    await a.tell(watcher, { op: 'link', pid: target });
    await a.report(watcher, (r) => r.op === 'link');
    await a.tell(watcher, { op: 'monitor', pid: target });
    const { ref } = await a.report(watcher, (r) => r.op === 'monitor');
    await a.tell(linked, { op: 'link', pid: target });
    await a.report(linked, (r) => r.op === 'link');
    // Both links and the monitor reached the doomed node before these messages, sent after them.
    await a.tell(watcher, { op: 'send', to: target, count: 1 });
    await a.tell(linked, { op: 'send', to: target, count: 1 });
    await doomed.report(target, (r) => r.got?.from === watcher);
    await doomed.report(target, (r) => r.got?.from === linked);
    expect((await a.request('nodes')).nodes.map((n: { name: string }) => n.name)).toEqual(expect.arrayContaining(['a', 'doomed']));

    await doomed.kill9();

    const exit = await a.report(watcher, (r) => r.got?.type === 'EXIT');
    expect(exit.got).toEqual({ type: 'EXIT', from: target, reason: 'noconnection' });
    const down = await a.report(watcher, (r) => r.got?.type === 'DOWN');
    expect(down.got).toEqual({ type: 'DOWN', ref, pid: target, reason: 'noconnection' });
    // A linked process that does not trap exits goes down with the node.
    expect((await a.request('awaitExit', { pid: linked })).reason).toBe('noconnection');
    expect((await a.request('nodes')).nodes.map((n: { name: string }) => n.name)).toEqual(['a']);

    const deadline = Date.now() + OUTCOME_WAIT_MS;
    let holder: unknown = target;
    while (holder !== null && Date.now() < deadline) holder = (await a.request('whereisGlobal', { name: 'doomed-service' })).pid;
    expect(holder).toBeNull();
  });

  it('stopped cleanly: its processes end with shutdown, which linked processes on the other node hear, and it leaves the member list', async () => {
    const leaver = await NodeProcess.start(server.url, 'leaver', 'loss');
    const watcher = await a.spawnAgent();
    const target = await leaver.spawnAgent();
    await a.tell(watcher, { op: 'trap' });
    await a.report(watcher, (r) => r.op === 'trap');
    await a.tell(watcher, { op: 'link', pid: target });
    await a.report(watcher, (r) => r.op === 'link');
    await a.tell(watcher, { op: 'send', to: target, count: 1 });
    await leaver.report(target, (r) => r.got?.from === watcher);

    await leaver.stop();

    const exit = await a.report(watcher, (r) => r.got?.type === 'EXIT');
    expect(exit.got).toEqual({ type: 'EXIT', from: target, reason: 'shutdown' });
    // Its key's deletion comes through the KV watch, not after the EXIT on the node's subject: wait for the outcome.
    let members: string[] = ['leaver'];
    for (const deadline = Date.now() + OUTCOME_WAIT_MS; members.includes('leaver') && Date.now() < deadline; ) {
      members = (await a.request('nodes')).nodes.map((n: { name: string }) => n.name);
    }
    expect(members).toEqual(['a']);
  });

  it('a link or monitor made after the loss answers noconnection at once', async () => {
    const watcher = await a.spawnAgent();
    expect((await a.request('nodes')).nodes.map((n: { name: string }) => n.name)).toEqual(['a']);
    // A pid of the lost node that no link or monitor here has seen before.
    const deadPid = doomed.number * 2 ** 45 + 1_000 * 4096 + 1;
    await a.tell(watcher, { op: 'monitor', pid: deadPid });
    const { ref } = await a.report(watcher, (r) => r.op === 'monitor');
    const down = await a.report(watcher, (r) => r.got?.type === 'DOWN' && r.got.ref === ref);
    expect(down.got).toEqual({ type: 'DOWN', ref, pid: deadPid, reason: 'noconnection' });
  });
});
