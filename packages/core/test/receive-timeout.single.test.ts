import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, Scheduler } from '@strand/core';
import { ReceiveLoop, ReceiveOnce, Sleeper, drainInbox } from './fixtures/messaging.js';

// Single-thread only: manual drive with a ManualClock, for exact deadlines. The event-loop
// timeout tests, which also run across threads, are in receive-timeout.test.ts.

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual() {
  const clock = new ManualClock();
  const scheduler = new Scheduler({ drive: 'manual', clock, onCrash: () => {} });
  schedulers.push(scheduler);
  /** Moves time on by `ms` and runs everything that became runnable. */
  const advance = (ms: number) => {
    clock.advance(ms);
    scheduler.runUntilIdle();
  };
  return { scheduler, clock, inbox: scheduler.inbox(), advance };
}

describe('receive with a timeout', () => {
  it('returns TIMEOUT once the timeout has passed, not before', async () => {
    const { scheduler, inbox, advance } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 100);
    scheduler.runUntilIdle();
    advance(99);
    expect(inbox.size).toBe(0);
    expect(scheduler.processInfo(pid)?.status).toBe('waiting');
    advance(1);
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }, { rest: [] }]);
    expect(scheduler.processInfo(pid)).toBeUndefined();
  });

  it('measures the timeout from when the receive starts', async () => {
    const { scheduler, inbox, advance } = manual();
    advance(1000);
    scheduler.spawn(ReceiveOnce, inbox.pid, 50);
    scheduler.runUntilIdle();
    advance(49);
    expect(inbox.size).toBe(0);
    advance(1);
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }, { rest: [] }]);
  });

  it('with timeout 0 returns a message already in the mailbox', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 0);
    scheduler.send(pid, 'first');
    scheduler.send(pid, 'second');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'first' }, { rest: ['second'] }]);
  });

  it('with timeout 0 returns TIMEOUT at once when the mailbox is empty', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 0);
    scheduler.runUntilIdle(); // no clock advance at all
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }, { rest: [] }]);
    expect(scheduler.processInfo(pid)).toBeUndefined();
  });

  it('with timeout 0 returns TIMEOUT at once when no message matches, leaving them queued', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 0, 'wanted');
    scheduler.send(pid, 'other');
    scheduler.send(pid, 'another');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }, { rest: ['other', 'another'] }]);
  });

  it('returns a message that arrives before the deadline', async () => {
    const { scheduler, inbox, advance } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 100);
    scheduler.runUntilIdle();
    advance(60);
    scheduler.send(pid, 'in time');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'in time' }, { rest: [] }]);
  });

  it('prefers a matching message over a timeout that fired before the process ran', async () => {
    const { scheduler, inbox, clock } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 100, 'wanted');
    scheduler.runUntilIdle();
    // Both the message and the deadline are there when the scheduler next runs.
    scheduler.send(pid, 'wanted');
    clock.advance(100);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'wanted' }, { rest: [] }]);
  });

  it('does not let the cancelled timeout of a finished receive end a later one', async () => {
    const { scheduler, inbox, advance } = manual();
    const pid = scheduler.spawn(ReceiveLoop, inbox.pid, 100);
    scheduler.runUntilIdle(); // first receive: deadline 100
    advance(50);
    scheduler.send(pid, 'm1');
    scheduler.runUntilIdle(); // answered at 50; second receive: deadline 150
    expect(await drainInbox(inbox)).toEqual([{ got: 'm1' }]);
    advance(50); // t = 100: the first receive's deadline, which must not count any more
    expect(inbox.size).toBe(0);
    advance(49); // t = 149
    expect(inbox.size).toBe(0);
    advance(1); // t = 150
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }]);
    advance(100); // the loop's third receive times out in turn
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }]);
  });

  it('keeps waiting, with its deadline unchanged, when a non-matching message arrives', async () => {
    const { scheduler, inbox, advance } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 100, 'wanted');
    scheduler.runUntilIdle();
    advance(30);
    scheduler.send(pid, 'unwanted');
    scheduler.runUntilIdle();
    // Not ended early...
    expect(inbox.size).toBe(0);
    expect(scheduler.processInfo(pid)).toMatchObject({ status: 'waiting', mailboxLength: 1 });
    advance(60); // t = 90
    scheduler.send(pid, 'unwanted too');
    scheduler.runUntilIdle();
    expect(inbox.size).toBe(0);
    // ...and the timeout still fires at the original deadline, not 100 ms after a message.
    advance(10); // t = 100
    expect(await drainInbox(inbox)).toEqual([{ timeout: true }, { rest: ['unwanted', 'unwanted too'] }]);
  });

  it('still takes a matching message that arrives after non-matching ones', async () => {
    const { scheduler, inbox, advance } = manual();
    const pid = scheduler.spawn(ReceiveOnce, inbox.pid, 100, 'wanted');
    scheduler.runUntilIdle();
    advance(10);
    scheduler.send(pid, 'unwanted');
    scheduler.runUntilIdle();
    advance(10);
    scheduler.send(pid, 'wanted');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'wanted' }, { rest: ['unwanted'] }]);
  });
});

describe('sleep', () => {
  it('returns after the given time, not before', async () => {
    const { scheduler, inbox, advance } = manual();
    scheduler.spawn(Sleeper, inbox.pid, 100);
    scheduler.runUntilIdle();
    advance(99);
    expect(inbox.size).toBe(0);
    advance(1);
    expect(await drainInbox(inbox)).toEqual(['awake', { rest: [] }]);
  });

  it('is not woken by messages, which stay queued in arrival order', async () => {
    const { scheduler, inbox, advance } = manual();
    const pid = scheduler.spawn(Sleeper, inbox.pid, 100);
    scheduler.runUntilIdle();
    advance(10);
    for (const m of ['a', 'b', 'c']) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(inbox.size).toBe(0);
    expect(scheduler.processInfo(pid)).toMatchObject({ status: 'waiting', mailboxLength: 3 });
    advance(89);
    expect(inbox.size).toBe(0);
    advance(1);
    expect(await drainInbox(inbox)).toEqual(['awake', { rest: ['a', 'b', 'c'] }]);
  });

  it('with 0 returns at once, leaving queued messages alone', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(Sleeper, inbox.pid, 0);
    scheduler.send(pid, 'kept');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual(['awake', { rest: ['kept'] }]);
  });
});
