import { afterEach, describe, expect, it } from 'vitest';
import {
  AlreadyRegisteredError,
  InvalidNameError,
  ManualClock,
  NameTakenError,
  NotRegisteredError,
  type Pid,
  Scheduler,
} from '@strand/core';
import { Commander, type Envelope, Idle, ReceiveLoop, type Reply, drainInbox } from './fixtures/messaging.js';

// Single-thread only: manual drive, and registered() from plain code, which only a Scheduler has.

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual() {
  const scheduler = new Scheduler({ drive: 'manual', clock: new ManualClock(), onCrash: () => {} });
  schedulers.push(scheduler);
  const inbox = scheduler.inbox();
  /** Has a Commander run `c` and returns its one reply. */
  const call = async (commander: Pid, c: Envelope): Promise<Reply> => {
    scheduler.send(commander, c);
    scheduler.runUntilIdle();
    const replies = await drainInbox(inbox);
    expect(replies).toHaveLength(1);
    return replies[0] as Reply;
  };
  return { scheduler, inbox, call };
}

describe('registered names', () => {
  it('register, whereis and unregister from inside a process', async () => {
    const { scheduler, inbox, call } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const self = await call(c, { op: 'self' });
    expect(self).toEqual({ ok: c });
    expect(await call(c, { op: 'whereis', name: 'svc' })).toEqual({ ok: undefined });
    expect(await call(c, { op: 'register', name: 'svc' })).toEqual({ ok: undefined });
    expect(await call(c, { op: 'whereis', name: 'svc' })).toEqual({ ok: c });
    expect(scheduler.whereis('svc')).toBe(c);
    expect(scheduler.registered()).toEqual(['svc']);
    expect(await call(c, { op: 'unregister', name: 'svc' })).toEqual({ ok: undefined });
    expect(await call(c, { op: 'whereis', name: 'svc' })).toEqual({ ok: undefined });
    expect(scheduler.registered()).toEqual([]);
  });

  it('a process can register another process', async () => {
    const { scheduler, inbox, call } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const other = scheduler.spawn(Idle);
    expect(await call(c, { op: 'register', name: 'other', pid: other })).toEqual({ ok: undefined });
    expect(scheduler.whereis('other')).toBe(other);
    expect(scheduler.processInfo(other)?.registeredName).toBe('other');
    expect(scheduler.processInfo(c)?.registeredName).toBeUndefined();
  });

  it('register, whereis and unregister from plain code', () => {
    const { scheduler } = manual();
    const pid = scheduler.spawn(Idle);
    scheduler.register('plain', pid);
    expect(scheduler.whereis('plain')).toBe(pid);
    expect(scheduler.processInfo(pid)?.registeredName).toBe('plain');
    scheduler.unregister('plain');
    expect(scheduler.whereis('plain')).toBeUndefined();
    expect(scheduler.processInfo(pid)?.registeredName).toBeUndefined();
  });

  it('delivers messages sent to a name, from plain code and from a process', async () => {
    const { scheduler, inbox } = manual();
    const receiver = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    scheduler.register('receiver', receiver);
    scheduler.send('receiver', 'from plain code');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'from plain code' }]);
    const c = scheduler.spawn(Commander, inbox.pid);
    scheduler.runUntilIdle();
    scheduler.send(c, { op: 'send', to: 'receiver', message: 'from a process' });
    scheduler.runUntilIdle();
    // Two senders (the receiver and the commander) report to the inbox: no order between them.
    const reports = await drainInbox(inbox);
    expect(reports).toHaveLength(2);
    expect(reports).toEqual(expect.arrayContaining([{ got: 'from a process' }, { ok: undefined }]));
  });

  it('refuses a name another process holds with NameTakenError', async () => {
    const { scheduler, inbox, call } = manual();
    const holder = scheduler.spawn(Idle);
    scheduler.register('taken', holder);
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'register', name: 'taken' })).toEqual({
      error: expect.objectContaining({ code: 'ERR_STRAND_NAME_TAKEN', classes: ['StrandError', 'NameTakenError'] }),
    });
    const other = scheduler.spawn(Idle);
    let thrown: unknown;
    try {
      scheduler.register('taken', other);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NameTakenError);
    expect((thrown as NameTakenError).code).toBe('ERR_STRAND_NAME_TAKEN');
    // Nothing changed.
    expect(scheduler.whereis('taken')).toBe(holder);
    expect(scheduler.processInfo(c)?.registeredName).toBeUndefined();
    expect(scheduler.processInfo(other)?.registeredName).toBeUndefined();
  });

  it('refuses a second name for a process with AlreadyRegisteredError', async () => {
    const { scheduler, inbox, call } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    await call(c, { op: 'register', name: 'first' });
    expect(await call(c, { op: 'register', name: 'second' })).toEqual({
      error: expect.objectContaining({
        code: 'ERR_STRAND_ALREADY_REGISTERED',
        classes: ['StrandError', 'AlreadyRegisteredError'],
      }),
    });
    let thrown: unknown;
    try {
      scheduler.register('third', c);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AlreadyRegisteredError);
    expect((thrown as AlreadyRegisteredError).code).toBe('ERR_STRAND_ALREADY_REGISTERED');
    expect(scheduler.registered()).toEqual(['first']);
    expect(scheduler.whereis('second')).toBeUndefined();
    expect(scheduler.whereis('third')).toBeUndefined();
  });

  it.each([
    ['returns normally', { op: 'return' } as const],
    ['crashes', { op: 'throw', message: 'bang', uncaught: true } as const],
  ])('releases the name when its process %s, and the name can be reused', async (_how, last) => {
    const { scheduler, inbox } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    scheduler.register('reusable', c);
    const exited = scheduler.awaitExit(c);
    scheduler.send(c, last);
    scheduler.runUntilIdle();
    expect(await exited).toEqual(last.op === 'return' ? 'normal' : expect.objectContaining({ error: expect.anything() }));
    expect(scheduler.whereis('reusable')).toBeUndefined();
    expect(scheduler.registered()).toEqual([]);
    const next = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    scheduler.register('reusable', next);
    scheduler.send('reusable', 'hello');
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ got: 'hello' }]);
  });

  it('releases the name when its process is killed, and the name can be reused', async () => {
    const { scheduler, inbox } = manual();
    const victim = scheduler.spawn(Idle);
    scheduler.register('victim', victim);
    scheduler.runUntilIdle();
    const exited = scheduler.awaitExit(victim);
    scheduler.exit(victim, 'kill');
    expect(await exited).toBe('killed');
    expect(scheduler.whereis('victim')).toBeUndefined();
    const next = scheduler.spawn(ReceiveLoop, inbox.pid, Infinity);
    scheduler.register('victim', next);
    expect(scheduler.whereis('victim')).toBe(next);
  });

  it('lets a process take a new name after it unregistered the old one', async () => {
    const { scheduler, inbox, call } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    await call(c, { op: 'register', name: 'old' });
    await call(c, { op: 'unregister', name: 'old' });
    expect(await call(c, { op: 'register', name: 'new' })).toEqual({ ok: undefined });
    expect(scheduler.processInfo(c)?.registeredName).toBe('new');
    expect(scheduler.registered()).toEqual(['new']);
  });

  it('throws NotRegisteredError on send to a name nobody holds', async () => {
    const { scheduler, inbox, call } = manual();
    let thrown: unknown;
    try {
      scheduler.send('nobody', 'hello?');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NotRegisteredError);
    expect((thrown as NotRegisteredError).code).toBe('ERR_STRAND_NOT_REGISTERED');
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'send', to: 'nobody', message: 'hello?' })).toEqual({
      error: expect.objectContaining({ code: 'ERR_STRAND_NOT_REGISTERED', classes: ['StrandError', 'NotRegisteredError'] }),
    });
  });

  it('crashes a process that sends to an unregistered name and does not catch', async () => {
    const { scheduler, inbox } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const exited = scheduler.awaitExit(c);
    scheduler.send(c, { op: 'send', to: 'nobody', message: 'x', uncaught: true });
    scheduler.runUntilIdle();
    expect(await exited).toMatchObject({ error: { name: 'NotRegisteredError' } });
  });

  it('throws NotRegisteredError on unregister of a name nobody holds', async () => {
    const { scheduler, inbox, call } = manual();
    expect(() => scheduler.unregister('unknown')).toThrow(NotRegisteredError);
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'unregister', name: 'unknown' })).toEqual({
      error: expect.objectContaining({ code: 'ERR_STRAND_NOT_REGISTERED', classes: ['StrandError', 'NotRegisteredError'] }),
    });
    // A name released by exit is unknown too.
    const gone = scheduler.spawn(Idle);
    scheduler.register('released', gone);
    scheduler.exit(gone, 'kill');
    expect(() => scheduler.unregister('released')).toThrow(NotRegisteredError);
  });

  it('refuses names that are not non-empty strings with InvalidNameError', () => {
    const { scheduler } = manual();
    const pid = scheduler.spawn(Idle);
    for (const bad of ['', 42, null, undefined]) {
      expect(() => scheduler.register(bad as string, pid)).toThrow(InvalidNameError);
    }
    expect(scheduler.processInfo(pid)?.registeredName).toBeUndefined();
    expect(scheduler.registered()).toEqual([]);
  });
});
