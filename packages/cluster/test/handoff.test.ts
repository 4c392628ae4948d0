/**
 * Handoff: movable servers move, with their state and their global name,
 * off a node that stops gracefully; nodes are OS processes over a real
 * nats-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess } from './node-process.js';

/** Bound on polling for an outcome (callers have answers, a name released): not a speed limit. */
const OUTCOME_WAIT_MS = 30_000;
/** Callers running at once on the other node while the server moves. */
const CALLERS = 8;
/** Answers the callers must have had before the stop, and again after it (so calls were in flight throughout). */
const ANSWERS_EACH_SIDE = 40;

const nodeOf = (pid: number): number => Math.floor(pid / 2 ** 45);

/** Polls `progress` until `done` says so, within OUTCOME_WAIT_MS. */
async function until<T>(progress: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await progress();
  for (const deadline = Date.now() + OUTCOME_WAIT_MS; !done(value) && Date.now() < deadline; ) value = await progress();
  return value;
}

/** Waits until `node` sees `names` as the live members: a node leaving hands over only to the nodes it sees. */
async function untilMembers(node: NodeProcess, names: string[]): Promise<void> {
  const members = async (): Promise<string[]> => (await node.request('nodes')).nodes.map((n: { name: string }) => n.name).sort();
  expect(await until(members, (list) => list.join() === [...names].sort().join())).toEqual([...names].sort());
}

describe.skipIf(skipWithoutNats)('handoff on a graceful leave', () => {
  let server: NatsServer;
  let b: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    b = await NodeProcess.start(server.url, 'b', 'handoff');
  }, 90_000);

  afterAll(async () => {
    await b?.stop();
    await server?.stop();
  }, 60_000);

  it('a movable counter incremented on node a resumes on node b with its count and its global name when a stops', async () => {
    const a = await NodeProcess.start(server.url, 'a', 'handoff');
    const started = await a.request('startMovable', { server: 'MovableCounter', name: 'counter-1', start: 10 });
    expect(started.registered).toBe(true);
    expect(nodeOf(started.pid)).toBe(a.number);
    for (let i = 0; i < 5; i++) await a.request('callGlobal', { name: 'counter-1', request: 'inc' });
    expect((await b.request('callGlobal', { name: 'counter-1', request: 'get' })).answer).toEqual({ count: 15, node: a.number });
    await untilMembers(a, ['a', 'b']);

    await a.stop();

    const holder = (await b.request('whereisGlobal', { name: 'counter-1' })).pid as number;
    expect(nodeOf(holder)).toBe(b.number);
    expect((await b.request('callGlobal', { name: 'counter-1', request: 'inc' })).answer).toEqual({ count: 16, node: b.number });
  });

  it('calls in flight from node b while the server moves are each answered once: the count is the number of calls', async () => {
    const a = await NodeProcess.start(server.url, 'a2', 'handoff');
    expect((await a.request('startMovable', { server: 'MovableCounter', name: 'counter-2', start: 0 })).registered).toBe(true);
    await b.request('startCallers', { name: 'counter-2', callers: CALLERS });
    const before = await until(
      () => b.request('callerProgress'),
      (p) => p.answered >= ANSWERS_EACH_SIDE || p.failures.length > 0,
    );
    expect(before.failures).toEqual([]);
    await untilMembers(a, ['a2', 'b']);

    await a.stop();

    const after = before.answered + ANSWERS_EACH_SIDE;
    const progress = await until(
      () => b.request('callerProgress'),
      (p) => p.answered >= after || p.failures.length > 0,
    );
    expect(progress.failures).toEqual([]);
    const { answers, failures } = await b.request('stopCallers');
    expect(failures).toEqual([]);
    const counts = (answers as { count: number; node: number }[]).map((x) => x.count).sort((x, y) => x - y);
    // Every call answered exactly once, none lost, none run twice: the answers are 1..n.
    expect(counts).toEqual(counts.map((_, i) => i + 1));
    expect(new Set((answers as { node: number }[]).map((x) => x.node))).toEqual(new Set([a.number, b.number]));
    expect((await b.request('callGlobal', { name: 'counter-2', request: 'get' })).answer).toEqual({ count: counts.length, node: b.number });
  });

  it('two nodes starting one name at once end with one server, which both answer', async () => {
    const a = await NodeProcess.start(server.url, 'a3', 'handoff');
    for (let race = 0; race < 4; race++) {
      const name = `raced-${race}`;
      const [ra, rb] = await Promise.all([
        a.request('startMovable', { server: 'MovableCounter', name, start: 0 }),
        b.request('startMovable', { server: 'MovableCounter', name, start: 0 }),
      ]);
      expect([ra.registered, rb.registered].filter(Boolean)).toHaveLength(1);
      expect(ra.pid).toBe(rb.pid);
      expect((await a.request('whereisGlobal', { name })).pid).toBe(ra.pid);
    }
    await a.stop();
  });

  it('a server that no node can resume stays on its node until it stops, saying so; its name is then released', async () => {
    const a = await NodeProcess.start(server.url, 'a4', 'handoff');
    expect((await a.request('startMovable', { server: 'Unresumable', name: 'fragile', start: 7 })).registered).toBe(true);
    await untilMembers(a, ['a4', 'b']);

    await a.stop();

    expect(a.stderrTail).toMatch(/"fragile"\) could not move: node \d+: StartError: start failed: Error: this server cannot resume anywhere; it runs here until this node stops/);
    expect((await b.request('whereisGlobal', { name: 'fragile' })).pid).toBeNull();
    // b holds no copy of it: a new start there is a fresh server.
    expect((await b.request('startMovable', { server: 'Unresumable', name: 'fragile', start: 1 })).registered).toBe(true);
  });

  it('killed with kill -9, a node loses its movable servers: nothing moves, and the name is released', async () => {
    const doomed = await NodeProcess.start(server.url, 'doomed', 'handoff');
    expect((await doomed.request('startMovable', { server: 'MovableCounter', name: 'counter-doomed', start: 3 })).registered).toBe(true);
    await doomed.kill9();
    const holder = await until(
      async () => (await b.request('whereisGlobal', { name: 'counter-doomed' })).pid,
      (pid) => pid === null,
    );
    expect(holder).toBeNull();
    const fresh = await b.request('startMovable', { server: 'MovableCounter', name: 'counter-doomed', start: 0 });
    expect(fresh.registered).toBe(true);
    expect((await b.request('callGlobal', { name: 'counter-doomed', request: 'get' })).answer).toEqual({ count: 0, node: b.number });
  });
});

describe.skipIf(skipWithoutNats)('handoff with no other node', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await startNatsServer();
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it('the server stops with its node and its name is released', async () => {
    const alone = await NodeProcess.start(server.url, 'alone', 'handoff-alone');
    expect((await alone.request('startMovable', { server: 'MovableCounter', name: 'solo', start: 5 })).registered).toBe(true);
    await alone.stop();
    expect(alone.stderrTail).not.toMatch(/could not move/);

    const next = await NodeProcess.start(server.url, 'next', 'handoff-alone');
    try {
      expect((await next.request('whereisGlobal', { name: 'solo' })).pid).toBeNull();
      expect((await next.request('startMovable', { server: 'MovableCounter', name: 'solo', start: 0 })).registered).toBe(true);
      expect((await next.request('callGlobal', { name: 'solo', request: 'get' })).answer).toEqual({ count: 0, node: next.number });
    } finally {
      await next.stop();
    }
  });
});

describe.skipIf(skipWithoutNats)('handoff placement', () => {
  let server: NatsServer;
  let p: NodeProcess;
  let q: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    [p, q] = await Promise.all([NodeProcess.start(server.url, 'p', 'placement'), NodeProcess.start(server.url, 'q', 'placement')]);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([p?.stop(), q?.stop()]);
    await server?.stop();
  }, 60_000);

  it('spreads a leaving node’s servers: each to the node with the fewest, ties to the lowest number', async () => {
    const r = await NodeProcess.start(server.url, 'r', 'placement');
    const names = ['s1', 's2', 's3'];
    for (const name of names) expect((await r.request('startMovable', { server: 'MovableCounter', name, start: 0 })).registered).toBe(true);
    await untilMembers(r, ['p', 'q', 'r']);

    await r.stop();

    const [low, high] = [p.number, q.number].sort((x, y) => x - y);
    const holders = await Promise.all(names.map(async (name) => nodeOf((await p.request('whereisGlobal', { name })).pid as number)));
    expect(holders).toEqual([low, high, low]);
  });
});
