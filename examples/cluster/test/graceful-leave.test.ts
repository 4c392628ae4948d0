/**
 * A node stopped with SIGTERM leaves gracefully: its session processes move
 * to the node still running, with their counts, under the same names.
 */
import { describe, expect, it } from 'vitest';
import { demoClusterPerSuite, request, skipWithoutNats } from './demo-cluster.js';

/** Sessions started on node one, and how many times each is incremented (some through node two). */
const SESSIONS = { ada: 3, grace: 5, linus: 1 } as const;
/** Increments sent through node two while node one leaves, all in flight at once. */
const INCREMENTS_DURING_LEAVE = 16;

describe.skipIf(skipWithoutNats)('SIGTERM to a node', () => {
  const demo = demoClusterPerSuite();

  it('moves its sessions to the other node with their counts; they go on counting there', async () => {
    const { one, two } = demo();
    for (const [name, increments] of Object.entries(SESSIONS)) {
      // The first increment, on node one, starts the session there; the others come through both nodes.
      expect((await request(one, 'POST', `/session/${name}/inc`)).body).toMatchObject({ count: 1, node: 'one' });
      for (let i = 2; i <= increments; i++) {
        expect((await request(i % 2 === 0 ? two : one, 'POST', `/session/${name}/inc`)).body).toMatchObject({ count: i, node: 'one' });
      }
    }

    expect(await one.stop('SIGTERM')).toBe(0);

    for (const [name, increments] of Object.entries(SESSIONS)) {
      expect(await request(two, 'GET', `/session/${name}`)).toEqual({ status: 200, body: { session: name, count: increments, node: 'two' } });
    }
    expect((await request(two, 'POST', '/session/ada/inc')).body).toEqual({ session: 'ada', count: SESSIONS.ada + 1, node: 'two' });
    expect((await request(two, 'GET', '/session/nobody')).status).toBe(404);
  });
});

describe.skipIf(skipWithoutNats)('increments while a node leaves', () => {
  const demo = demoClusterPerSuite();

  it('counts each increment made through the other node once, before or after the move', async () => {
    const { one, two } = demo();
    expect((await request(one, 'POST', '/session/ada/inc')).body).toMatchObject({ count: 1, node: 'one' });
    const leaving = one.stop('SIGTERM');
    const answers = await Promise.all(Array.from({ length: INCREMENTS_DURING_LEAVE }, () => request(two, 'POST', '/session/ada/inc')));
    expect(await leaving).toBe(0);

    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.map((a) => a.body.count as number).sort((a, b) => a - b)).toEqual(Array.from({ length: INCREMENTS_DURING_LEAVE }, (_, i) => i + 2));
    expect(await request(two, 'GET', '/session/ada')).toEqual({ status: 200, body: { session: 'ada', count: INCREMENTS_DURING_LEAVE + 1, node: 'two' } });
  });
});
