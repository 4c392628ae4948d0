/**
 * A session is one process, found by its global name from either node: no
 * sticky load balancing. Both nodes also serve the factorial app.
 */
import { describe, expect, it } from 'vitest';
import { demoClusterPerSuite, request, skipWithoutNats } from './demo-cluster.js';

/** Increments spread over both nodes, all in flight at once. */
const INCREMENTS = 24;

describe.skipIf(skipWithoutNats)('sessions across the two nodes', () => {
  const demo = demoClusterPerSuite();

  it('counts increments sent to both nodes in one process: each gets its own count, the last is their number', async () => {
    const { one, two } = demo();
    // All at once, alternating nodes: the first ones race to create the session, and exactly one process must win.
    const answers = await Promise.all(Array.from({ length: INCREMENTS }, (_, i) => request(i % 2 === 0 ? one : two, 'POST', '/session/ada/inc')));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const counts = answers.map((a) => a.body.count as number).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: INCREMENTS }, (_, i) => i + 1));
    expect(new Set(answers.map((a) => a.body.node)).size).toBe(1);
    expect(['one', 'two']).toContain(answers[0]!.body.node);
  });

  it('reads the same count on either node', async () => {
    const fromOne = await request(demo().one, 'GET', '/session/ada');
    const fromTwo = await request(demo().two, 'GET', '/session/ada');
    expect(fromOne).toEqual({ status: 200, body: { session: 'ada', count: INCREMENTS, node: fromOne.body.node } });
    expect(fromTwo.body).toEqual(fromOne.body);
  });

  it('continues a session from the node that did not start it, in order', async () => {
    const { one, two } = demo();
    expect((await request(one, 'POST', '/session/grace/inc')).body).toMatchObject({ count: 1, node: 'one' });
    const sequence = [];
    for (const node of [two, one, two, two, one]) sequence.push((await request(node, 'POST', '/session/grace/inc')).body);
    expect(sequence.map((b) => b.count)).toEqual([2, 3, 4, 5, 6]);
    expect(sequence.map((b) => b.node)).toEqual(['one', 'one', 'one', 'one', 'one']);
  });

  it('answers 404 with a JSON error for a session never created, on either node', async () => {
    for (const node of [demo().one, demo().two]) {
      const answer = await request(node, 'GET', '/session/nobody');
      expect(answer.status).toBe(404);
      expect(answer.body.error).toContain('nobody');
    }
  });

  it('answers 400 with a JSON error for a bad session name, and creates nothing', async () => {
    const tooLong = 'x'.repeat(65);
    for (const path of ['/session/a%20b/inc', `/session/${tooLong}/inc`, '/session/caf%C3%A9/inc']) {
      const answer = await request(demo().two, 'POST', path);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/session name/);
    }
    expect((await request(demo().one, 'GET', `/session/${tooLong}`)).status).toBe(400);
  });

  it('serves the factorial app on both nodes', async () => {
    for (const node of [demo().one, demo().two]) {
      const answer = await request(node, 'GET', '/factorial?n=20');
      expect(answer).toMatchObject({ status: 200, body: { n: 20, value: '2432902008176640000' } });
      expect((await request(node, 'GET', '/factorial?n=-1')).status).toBe(400);
    }
  });
});
