import { afterEach, describe, expect, it } from 'vitest';
import { ReceiveOnce, Sleeper } from './fixtures/messaging.js';
import { type TestNode, startNode } from './harness.js';

// The exact timing tests (a ManualClock, manual drive) are in receive-timeout.single.test.ts.

let node: TestNode;
afterEach(() => node?.stop());

describe('timeouts under the event-loop drive (system clock)', () => {
  async function live() {
    node = await startNode({ onCrash: () => {} });
    return { inbox: node.inbox() };
  }

  it('a receive times out by itself', async () => {
    const { inbox } = await live();
    node.spawn(ReceiveOnce, inbox.pid, 5);
    expect(await inbox.receive()).toEqual({ timeout: true });
    expect(await inbox.receive()).toEqual({ rest: [] });
  });

  it('a message beats a long timeout', async () => {
    const { inbox } = await live();
    const pid = node.spawn(ReceiveOnce, inbox.pid, 60_000);
    node.send(pid, 'quick');
    expect(await inbox.receive()).toEqual({ got: 'quick' });
  });

  it('a sleep ends by itself and keeps the messages that came meanwhile', async () => {
    const { inbox } = await live();
    const pid = node.spawn(Sleeper, inbox.pid, 5);
    node.send(pid, 'queued');
    expect(await inbox.receive()).toBe('awake');
    expect(await inbox.receive()).toEqual({ rest: ['queued'] });
  });
});
