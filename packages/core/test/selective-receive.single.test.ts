import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { type CrashReport, type Effect, ManualClock, Scheduler, receive } from '@strand/core';
import {
  FragileMatcher,
  type MatcherSpec,
  type Ping,
  PingReceiver,
  Replier,
  SelectSequence,
  drainInbox,
  isPing,
} from './fixtures/messaging.js';

// Single-thread only: manual drive (every message is in the mailbox before the process runs,
// and mailboxes are inspected between steps).

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual() {
  const crashes: CrashReport[] = [];
  const scheduler = new Scheduler({ drive: 'manual', clock: new ManualClock(), onCrash: (r) => crashes.push(r) });
  schedulers.push(scheduler);
  return { scheduler, inbox: scheduler.inbox(), crashes };
}

describe('selective receive', () => {
  it('takes the first message a predicate accepts and leaves the others in arrival order', async () => {
    const { scheduler, inbox } = manual();
    const specs: MatcherSpec[] = [{ predicate: 'isNumber' }];
    const pid = scheduler.spawn(SelectSequence, inbox.pid, specs);
    for (const m of ['a', 'b', 1, 'c', 2]) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ step: 0, matched: 1 }, { rest: ['a', 'b', 'c', 2] }]);
  });

  it('matches a pattern object property by property, ignoring extra properties', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(SelectSequence, inbox.pid, [{ pattern: { type: 'reply', id: 2 } }]);
    const messages = [
      { type: 'reply', id: 1, body: 'one' },
      { type: 'request', id: 2 },
      'reply',
      null,
      { type: 'reply', id: 2, body: 'two' },
      { type: 'reply', id: 2, body: 'later' },
    ];
    for (const m of messages) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([
      { step: 0, matched: { type: 'reply', id: 2, body: 'two' } },
      {
        rest: [
          { type: 'reply', id: 1, body: 'one' },
          { type: 'request', id: 2 },
          'reply',
          null,
          { type: 'reply', id: 2, body: 'later' },
        ],
      },
    ]);
  });

  it('matches nested patterns recursively', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(SelectSequence, inbox.pid, [
      { pattern: { type: 'result', body: { status: 'ok', meta: { final: true } } } },
    ]);
    const messages = [
      { type: 'result', body: 'ok' },
      { type: 'result', body: { status: 'error', meta: { final: true } } },
      { type: 'result', body: { status: 'ok', meta: { final: false } } },
      { type: 'result', body: { status: 'ok' } },
      { type: 'result', body: { status: 'ok', value: 7, meta: { final: true, at: 3 } } },
    ];
    for (const m of messages) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([
      { step: 0, matched: messages[4] },
      { rest: messages.slice(0, 4) },
    ]);
  });

  it('compares pattern leaves with Object.is', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(SelectSequence, inbox.pid, [{ pattern: { v: Number.NaN } }, { pattern: { v: 0 } }]);
    for (const m of [{ v: '0' }, { v: -0 }, { v: Number.NaN }, { v: 0 }]) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([
      { step: 0, matched: { v: Number.NaN } },
      { step: 1, matched: { v: 0 } },
      { rest: [{ v: '0' }, { v: -0 }] },
    ]);
  });

  it('receives messages it skipped with later receives, in arrival order', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(SelectSequence, inbox.pid, [
      { predicate: 'isBigNumber' },
      { pattern: { kind: 'b' } },
      { predicate: 'isString' },
      { any: true },
      { predicate: 'isNumber' },
    ]);
    for (const m of [{ kind: 'a' }, 'first', 5, { kind: 'b' }, 500, 'second', 6]) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([
      { step: 0, matched: 500 },
      { step: 1, matched: { kind: 'b' } },
      { step: 2, matched: 'first' },
      { step: 3, matched: { kind: 'a' } },
      { step: 4, matched: 5 },
      { rest: ['second', 6] },
    ]);
  });

  it('keeps waiting past non-matching messages that arrive while it waits', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(SelectSequence, inbox.pid, [{ pattern: { go: true } }]);
    scheduler.runUntilIdle();
    for (const m of ['x', { go: false }, 'y']) {
      scheduler.send(pid, m);
      scheduler.runUntilIdle();
    }
    expect(inbox.size).toBe(0);
    expect(scheduler.processInfo(pid)).toMatchObject({ status: 'waiting', mailboxLength: 3 });
    scheduler.send(pid, { go: true });
    scheduler.send(pid, 'z');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ step: 0, matched: { go: true } }, { rest: ['x', { go: false }, 'y', 'z'] }]);
  });

  it('narrows the message type with a type-guard matcher', async () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(PingReceiver, inbox.pid);
    for (const m of [{ type: 'ping', n: 'not a number' }, { type: 'pong', n: 1 }, { type: 'ping', n: 41 }]) scheduler.send(pid, m);
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ pong: 42 }]);
    expect(scheduler.processInfo(pid)?.mailboxLength).toBe(2);
    expectTypeOf(receive(isPing)).toEqualTypeOf<Effect<Ping>>();
  });

  it('crashes only the receiving process when its matcher throws, with an { error } reason', async () => {
    const { scheduler, inbox, crashes } = manual();
    const fragile = scheduler.spawn(FragileMatcher, inbox.pid);
    const bystander = scheduler.spawn(Replier);
    const exited = scheduler.awaitExit(fragile);
    scheduler.send(fragile, 'boom');
    scheduler.runUntilIdle();
    const reason = await exited;
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'matcher exploded' } });
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ pid: fragile, actor: 'FragileMatcher', reason });
    expect(scheduler.processInfo(fragile)).toBeUndefined();
    // The rest of the runtime is unaffected.
    scheduler.send(bystander, { from: inbox.pid, body: 'still here' });
    scheduler.runUntilIdle();
    expect((await drainInbox(inbox)).filter((m) => m !== 'cleanup')).toEqual([{ echo: 'still here' }]);
  });

  it('crashes the process when its matcher throws on a message already in the mailbox', async () => {
    const { scheduler, inbox } = manual();
    const fragile = scheduler.spawn(FragileMatcher, inbox.pid);
    scheduler.send(fragile, 'boom'); // there before the receive starts
    scheduler.send(fragile, 'ok');
    const exited = scheduler.awaitExit(fragile);
    scheduler.runUntilIdle();
    expect(await exited).toMatchObject({ error: { message: 'matcher exploded' } });
    expect((await drainInbox(inbox)).filter((m) => m !== 'cleanup')).toEqual([]);
  });

  it('runs the finally blocks of a process whose matcher throws', async () => {
    const { scheduler, inbox } = manual();
    const fragile = scheduler.spawn(FragileMatcher, inbox.pid);
    scheduler.runUntilIdle();
    scheduler.send(fragile, 'boom');
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(fragile)).toBeUndefined();
    expect(await drainInbox(inbox)).toEqual(['cleanup']);
  });
});
