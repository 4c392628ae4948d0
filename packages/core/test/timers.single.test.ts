import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Ref, Scheduler, isRef } from '@strand/core';
import { Collector, Idle, ReceiveLoop, TimerClient, drainInbox } from './fixtures/messaging.js';

// Single-thread only: manual drive with a ManualClock, and sendAfter/cancelTimer from plain
// code, which only a Scheduler has.

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual() {
  const clock = new ManualClock();
  const scheduler = new Scheduler({ drive: 'manual', clock, onCrash: () => {} });
  schedulers.push(scheduler);
  const inbox = scheduler.inbox();
  const advance = (ms: number) => {
    clock.advance(ms);
    scheduler.runUntilIdle();
  };
  /** Sends a command to a TimerClient and returns its one reply. */
  const command = async (client: number, c: object) => {
    scheduler.send(client as never, c);
    scheduler.runUntilIdle();
    const replies = await drainInbox(inbox);
    expect(replies).toHaveLength(1);
    return replies[0] as { ref?: Ref; cancelled?: boolean };
  };
  return { scheduler, clock, inbox, advance, command };
}

describe('sendAfter', () => {
  it('delivers the message after the delay, not before (from a process)', async () => {
    const { scheduler, inbox, advance, command } = manual();
    const client = scheduler.spawn(TimerClient, inbox.pid);
    const target = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    const { ref } = await command(client, { op: 'set', ms: 100, dest: target, message: 'tick' });
    expect(isRef(ref)).toBe(true);
    advance(99);
    expect(inbox.size).toBe(0);
    advance(1);
    expect(await drainInbox(inbox)).toEqual([{ got: 'tick' }]);
    advance(1000);
    expect(inbox.size).toBe(0); // once only
  });

  it('delivers the message after the delay, not before (from plain code)', async () => {
    const { scheduler, inbox, advance } = manual();
    scheduler.sendAfter(250, inbox.pid, 'later');
    scheduler.runUntilIdle();
    advance(249);
    expect(inbox.size).toBe(0);
    advance(1);
    expect(await drainInbox(inbox)).toEqual(['later']);
  });

  it('delivers to a registered name, looked up when the timer fires', async () => {
    const { scheduler, inbox, advance, command } = manual();
    const client = scheduler.spawn(TimerClient, inbox.pid);
    await command(client, { op: 'set', ms: 50, dest: 'ticker', message: 'by name' });
    // The name is registered only after the timer was set.
    const target = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    scheduler.register('ticker', target);
    advance(50);
    expect(await drainInbox(inbox)).toEqual([{ got: 'by name' }]);
  });

  it('fires timers in deadline order, and timers with the same deadline in the order they were set', async () => {
    const { scheduler, inbox, advance } = manual();
    const collector = scheduler.spawn(Collector, inbox.pid, 5);
    scheduler.sendAfter(30, collector, 'c');
    scheduler.sendAfter(10, collector, 'a1');
    scheduler.sendAfter(20, collector, 'b');
    scheduler.sendAfter(10, collector, 'a2');
    scheduler.sendAfter(10, collector, 'a3');
    advance(30);
    expect(await drainInbox(inbox)).toEqual([{ got: ['a1', 'a2', 'a3', 'b', 'c'] }]);
  });

  it('with delay 0 delivers at the next run, without the clock moving', async () => {
    const { scheduler, inbox } = manual();
    scheduler.sendAfter(0, inbox.pid, 'now');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual(['now']);
  });
});

describe('sendAfter, continued', () => {
  it('still fires after the process that set it has exited', async () => {
    const { scheduler, inbox, advance, command } = manual();
    const client = scheduler.spawn(TimerClient, inbox.pid);
    await command(client, { op: 'set', ms: 40, dest: inbox.pid, message: 'orphan timer' });
    scheduler.exit(client, 'kill');
    expect(scheduler.processInfo(client)).toBeUndefined();
    advance(40);
    expect(await drainInbox(inbox)).toEqual(['orphan timer']);
  });

  it('fires by itself under the event-loop drive', async () => {
    const scheduler = new Scheduler({ onCrash: () => {} });
    schedulers.push(scheduler);
    const inbox = scheduler.inbox();
    const collector = scheduler.spawn(Collector, inbox.pid, 2);
    scheduler.sendAfter(10, collector, 'second');
    scheduler.sendAfter(2, collector, 'first');
    expect(await inbox.receive()).toEqual({ got: ['first', 'second'] });
  });
});

describe('cancelTimer', () => {
  it('stops a pending timer and returns true, then false', async () => {
    const { scheduler, inbox, advance, command } = manual();
    const client = scheduler.spawn(TimerClient, inbox.pid);
    const target = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    const { ref } = await command(client, { op: 'set', ms: 100, dest: target, message: 'never' });
    advance(50);
    expect(await command(client, { op: 'cancel', ref })).toEqual({ cancelled: true });
    expect(await command(client, { op: 'cancel', ref })).toEqual({ cancelled: false });
    advance(1000);
    expect(inbox.size).toBe(0);
    expect(scheduler.processInfo(target)?.mailboxLength).toBe(0);
  });

  it('returns false for a timer that already fired', async () => {
    const { scheduler, inbox, advance, command } = manual();
    const client = scheduler.spawn(TimerClient, inbox.pid);
    const target = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    const { ref } = await command(client, { op: 'set', ms: 10, dest: target, message: 'fired' });
    advance(10);
    expect(await drainInbox(inbox)).toEqual([{ got: 'fired' }]);
    expect(await command(client, { op: 'cancel', ref })).toEqual({ cancelled: false });
    expect(scheduler.cancelTimer(ref!)).toBe(false);
  });

  it('cancels only the timer it names', async () => {
    const { scheduler, inbox, advance } = manual();
    const keep = scheduler.sendAfter(10, inbox.pid, 'kept');
    const drop = scheduler.sendAfter(10, inbox.pid, 'dropped');
    expect(keep).not.toBe(drop);
    expect(scheduler.cancelTimer(drop)).toBe(true);
    advance(10);
    expect(await drainInbox(inbox)).toEqual(['kept']);
    expect(scheduler.cancelTimer(keep)).toBe(false);
  });

  it('can cancel, from plain code, a timer a process set', async () => {
    const { scheduler, inbox, advance, command } = manual();
    const client = scheduler.spawn(TimerClient, inbox.pid);
    const { ref } = await command(client, { op: 'set', ms: 10, dest: inbox.pid, message: 'no' });
    expect(scheduler.cancelTimer(ref!)).toBe(true);
    advance(10);
    expect(inbox.size).toBe(0);
  });

  it('returns false for a ref that names no timer', () => {
    const { scheduler } = manual();
    expect(scheduler.cancelTimer('#Ref<nothing.1>' as Ref)).toBe(false);
  });
});

describe('timers to processes that are gone', () => {
  it('drops a timer message to a dead pid without harm', async () => {
    const { scheduler, inbox, advance } = manual();
    const doomed = scheduler.spawn(Idle);
    const survivor = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    scheduler.runUntilIdle();
    const ref = scheduler.sendAfter(20, doomed, 'for the dead');
    scheduler.sendAfter(20, survivor, 'for the living');
    scheduler.exit(doomed, 'kill');
    scheduler.runUntilIdle();
    expect(() => advance(20)).not.toThrow();
    expect(await drainInbox(inbox)).toEqual([{ got: 'for the living' }]);
    expect(scheduler.cancelTimer(ref)).toBe(false);
    // The runtime goes on working.
    scheduler.send(survivor, 'after');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'after' }]);
  });

  it('drops a timer message to a name nobody holds any more', async () => {
    const { scheduler, inbox, advance } = manual();
    const holder = scheduler.spawn(Idle);
    scheduler.register('gone', holder);
    scheduler.sendAfter(20, 'gone', 'lost');
    scheduler.exit(holder, 'kill');
    expect(scheduler.whereis('gone')).toBeUndefined();
    expect(() => advance(20)).not.toThrow();
    expect(scheduler.processes()).toEqual([inbox.pid]);
    scheduler.sendAfter(5, inbox.pid, 'still running');
    advance(5);
    expect(await drainInbox(inbox)).toEqual(['still running']);
  });
});
