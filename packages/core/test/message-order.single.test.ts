import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Pid, Scheduler, type SchedulerOptions } from '@strand/core';
import { Collector, PidAndNameSender, SelfSender, Sender, WatchSender, drainInbox } from './fixtures/messaging.js';

// Single-thread only: manual drive, interleaving forced by stepping and tiny slices. The
// event-loop test of per-pair order, which also runs across threads, is in message-order.test.ts.

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual(options: SchedulerOptions = {}) {
  const scheduler = new Scheduler({ drive: 'manual', clock: new ManualClock(), onCrash: () => {}, ...options });
  schedulers.push(scheduler);
  return { scheduler, inbox: scheduler.inbox() };
}

type Tagged = { tag: string; seq: number };

/** The seq numbers of `tag`'s messages, in the order they were received. */
function seqsOf(got: unknown[], tag: string): number[] {
  return (got as Tagged[]).filter((m) => m.tag === tag).map((m) => m.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('message order', () => {
  it('keeps send order for many messages from one process to another', async () => {
    const { scheduler, inbox } = manual();
    const collector = scheduler.spawn(Collector, inbox.pid, 2000);
    scheduler.spawn(Sender, collector, 'a', 2000);
    scheduler.runUntilIdle();
    const [report] = (await drainInbox(inbox)) as [{ got: Tagged[] }];
    expect(report.got.map((m) => m.seq)).toEqual(range(2000));
  });

  it('keeps per-pair order when several senders interleave', async () => {
    // A tiny slice forces the senders to take turns every few sends.
    const { scheduler, inbox } = manual({ reductionsPerSlice: 3 });
    const tags = ['a', 'b', 'c', 'd'];
    const perSender = 300;
    const collector = scheduler.spawn(Collector, inbox.pid, tags.length * perSender);
    for (const tag of tags) scheduler.spawn(Sender, collector, tag, perSender);
    scheduler.runUntilIdle();
    const [report] = (await drainInbox(inbox)) as [{ got: Tagged[] }];
    expect(report.got).toHaveLength(tags.length * perSender);
    for (const tag of tags) expect(seqsOf(report.got, tag)).toEqual(range(perSender));
    // The test means something only if the streams really were interleaved.
    const firstTwenty = new Set(report.got.slice(0, 20).map((m) => m.tag));
    expect(firstTwenty.size).toBeGreaterThan(1);
  });

  it('keeps send order for messages from plain code', async () => {
    const { scheduler, inbox } = manual();
    const collector = scheduler.spawn(Collector, inbox.pid, 1000);
    for (let seq = 0; seq < 1000; seq++) scheduler.send(collector, { tag: 'plain', seq });
    scheduler.runUntilIdle();
    const [report] = (await drainInbox(inbox)) as [{ got: Tagged[] }];
    expect(seqsOf(report.got, 'plain')).toEqual(range(1000));
  });

  it('keeps per-pair order when plain code and processes send to the same receiver', async () => {
    const { scheduler, inbox } = manual({ reductionsPerSlice: 2 });
    const collector = scheduler.spawn(Collector, inbox.pid, 3 * 200);
    scheduler.spawn(Sender, collector, 'p1', 200);
    scheduler.spawn(Sender, collector, 'p2', 200);
    // Plain code sends between slices, so its messages land in between the processes'.
    for (let seq = 0; seq < 200; seq++) {
      scheduler.send(collector, { tag: 'plain', seq });
      scheduler.step();
    }
    scheduler.runUntilIdle();
    const [report] = (await drainInbox(inbox)) as [{ got: Tagged[] }];
    for (const tag of ['p1', 'p2', 'plain']) expect(seqsOf(report.got, tag)).toEqual(range(200));
  });

  it('keeps send order whether the sender addresses the receiver by pid or by name', async () => {
    const { scheduler, inbox } = manual({ reductionsPerSlice: 2 });
    const collector = scheduler.spawn(Collector, inbox.pid, 400);
    scheduler.register('collector', collector);
    scheduler.spawn(PidAndNameSender, collector, 'collector', 'mixed', 200);
    scheduler.spawn(Sender, 'collector', 'named', 200);
    scheduler.runUntilIdle();
    const [report] = (await drainInbox(inbox)) as [{ got: Tagged[] }];
    expect(seqsOf(report.got, 'mixed')).toEqual(range(200));
    expect(seqsOf(report.got, 'named')).toEqual(range(200));
  });

  it('keeps send order for messages a process sends to itself', async () => {
    const { scheduler, inbox } = manual();
    scheduler.spawn(SelfSender, inbox.pid, 500);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: range(500) }]);
  });

  it("delivers a process's messages before the DOWN of its exit", async () => {
    const { scheduler, inbox } = manual({ reductionsPerSlice: 5 });
    scheduler.spawn(WatchSender, inbox.pid, 50);
    scheduler.runUntilIdle();
    const [report] = (await drainInbox(inbox)) as [{ got: unknown[] }];
    expect(report.got).toHaveLength(51);
    expect(seqsOf(report.got.slice(0, 50), 'w')).toEqual(range(50));
    expect(report.got[50]).toMatchObject({ type: 'DOWN', reason: 'normal' });
  });

  it('delivers to an inbox in send order', async () => {
    const { scheduler, inbox } = manual();
    scheduler.spawn(Sender, inbox.pid as Pid, 'to-inbox', 300);
    scheduler.runUntilIdle();
    expect(seqsOf(await drainInbox(inbox), 'to-inbox')).toEqual(range(300));
  });
});
