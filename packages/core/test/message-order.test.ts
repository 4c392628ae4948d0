import { afterEach, describe, expect, it } from 'vitest';
import { Collector, Sender } from './fixtures/messaging.js';
import { type TestNode, startNode } from './harness.js';

// The manual-drive tests of message order (interleaving forced by stepping) are in
// message-order.single.test.ts.

let node: TestNode;
afterEach(() => node?.stop());

type Tagged = { tag: string; seq: number };

/** The seq numbers of `tag`'s messages, in the order they were received. */
function seqsOf(got: unknown[], tag: string): number[] {
  return (got as Tagged[]).filter((m) => m.tag === tag).map((m) => m.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('message order', () => {
  it('keeps per-pair order under the event-loop drive', async () => {
    node = await startNode({ onCrash: () => {}, reductionsPerSlice: 7 });
    const inbox = node.inbox();
    const collector = node.spawn(Collector, inbox.pid, 3 * 500);
    for (const tag of ['x', 'y', 'z']) node.spawn(Sender, collector, tag, 500);
    const report = (await inbox.receive()) as { got: Tagged[] };
    for (const tag of ['x', 'y', 'z']) expect(seqsOf(report.got, tag)).toEqual(range(500));
  });
});
