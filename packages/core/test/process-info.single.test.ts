import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  InvalidPidError,
  ManualClock,
  type Pid,
  type ProcessInfo,
  Scheduler,
  type SchedulerOptions,
} from '@strand/core';
import { Commander, type Envelope, Idle, type Reply, SelectSequence, drainInbox } from './fixtures/messaging.js';

// Single-thread only: manual drive, exact statuses and reductions between steps, and
// processInfo called from inside a process (which only sees its own scheduler's processes).

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual(options: SchedulerOptions = {}) {
  const scheduler = new Scheduler({ drive: 'manual', clock: new ManualClock(), onCrash: () => {}, ...options });
  schedulers.push(scheduler);
  const inbox = scheduler.inbox();
  /** Has a Commander run `c` and returns what it answered (failing the test on an error reply). */
  const call = async (commander: Pid, c: Envelope): Promise<unknown> => {
    scheduler.send(commander, c);
    scheduler.runUntilIdle();
    const replies = (await drainInbox(inbox)) as Reply[];
    expect(replies).toHaveLength(1);
    expect(replies[0]).toHaveProperty('ok');
    return (replies[0] as { ok: unknown }).ok;
  };
  const selfInfo = async (commander: Pid) => (await call(commander, { op: 'info' })) as ProcessInfo;
  return { scheduler, inbox, call, selfInfo };
}

describe('processInfo', () => {
  it('reports runnable before a process first runs, waiting while it blocks in receive', () => {
    const { scheduler, inbox } = manual();
    const pid = scheduler.spawn(Commander, inbox.pid);
    expect(scheduler.processInfo(pid)?.status).toBe('runnable');
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(pid)?.status).toBe('waiting');
  });

  it('reports running when a process asks about itself', async () => {
    const { scheduler, inbox, selfInfo } = manual();
    const pid = scheduler.spawn(Commander, inbox.pid);
    const info = await selfInfo(pid);
    expect(info.pid).toBe(pid);
    expect(info.status).toBe('running');
  });

  it('reports runnable for a process that used up its slice', () => {
    const { scheduler, inbox } = manual({ reductionsPerSlice: 5 });
    const pid = scheduler.spawn(Commander, inbox.pid);
    scheduler.runUntilIdle();
    scheduler.send(pid, { op: 'yields', n: 100 });
    expect(scheduler.processInfo(pid)?.status).toBe('runnable'); // woken by the message
    expect(scheduler.step()).toBe(true); // one slice of the commander, the only runnable process
    const info = scheduler.processInfo(pid);
    expect(info?.status).toBe('runnable');
    expect(info?.reductions).toBeLessThan(20);
  });

  it('reports reductions that grow as the process runs', async () => {
    const { scheduler, inbox, call, selfInfo } = manual();
    const pid = scheduler.spawn(Commander, inbox.pid);
    const before = (await selfInfo(pid)).reductions;
    await call(pid, { op: 'yields', n: 50 });
    const after = (await selfInfo(pid)).reductions;
    expect(after).toBeGreaterThanOrEqual(before + 50);
    expect(scheduler.processInfo(pid)!.reductions).toBeGreaterThan(after);
  });

  it('reports how many messages wait in the mailbox', async () => {
    const { scheduler, inbox } = manual();
    const stuck = scheduler.spawn(SelectSequence, inbox.pid, [{ predicate: 'never' }]);
    expect(scheduler.processInfo(stuck)?.mailboxLength).toBe(0);
    for (const m of ['a', 'b', 'c']) scheduler.send(stuck, m);
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(stuck)?.mailboxLength).toBe(3);
    // Asked from inside: the command itself has been taken, the three behind it have not.
    const c = scheduler.spawn(Commander, inbox.pid);
    scheduler.send(c, { op: 'info' });
    for (const m of [1, 2, 3]) scheduler.send(c, m);
    scheduler.runUntilIdle();
    const [reply] = (await drainInbox(inbox)) as [{ ok: ProcessInfo }];
    expect(reply.ok.mailboxLength).toBe(3);
  });

  it('mailboxPreview shows the oldest waiting messages in order, what cannot be copied by why, and nothing of a dead pid', () => {
    const { scheduler, inbox } = manual();
    const stuck = scheduler.spawn(SelectSequence, inbox.pid, [{ predicate: 'never' }]);
    for (const m of ['a', { b: 2 }, 'c']) scheduler.send(stuck, m);
    scheduler.runUntilIdle();
    expect(scheduler.mailboxPreview(stuck, 2)).toEqual(['a', { b: 2 }]);
    expect(scheduler.mailboxPreview(stuck, 10)).toEqual(['a', { b: 2 }, 'c']);
    expect(scheduler.processInfo(stuck)?.mailboxLength).toBe(3);
    // The inbox's relay is closed with a message that only its own thread can hold.
    inbox.close();
    const relay = inbox.pid;
    expect(scheduler.mailboxPreview(relay, 1)).toEqual([{ uncloneable: expect.stringContaining('symbols cannot be copied') }]);
    expect(() => scheduler.mailboxPreview(stuck, -1)).toThrow(InvalidOptionError);
    expect(() => scheduler.mailboxPreview(1.5 as Pid, 1)).toThrow(InvalidPidError);
    scheduler.exit(stuck, 'kill');
    scheduler.runUntilIdle();
    expect(scheduler.mailboxPreview(stuck, 1)).toBeUndefined();
  });

  it('reports links on both sides, and drops a link when the other side is gone', async () => {
    const { scheduler, inbox, call, selfInfo } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect((await selfInfo(c)).links).toEqual([]);
    await call(c, { op: 'trapExit', on: true });
    const child = (await call(c, { op: 'spawnLinkIdle' })) as Pid;
    expect((await selfInfo(c)).links).toEqual([child]);
    expect(scheduler.processInfo(child)?.links).toEqual([c]);
    scheduler.exit(child, 'kill');
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(c)?.links).toEqual([]);
  });

  it('reports monitors and monitoredBy, and drops them once the monitored process is gone', async () => {
    const { scheduler, inbox, call, selfInfo } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const child = (await call(c, { op: 'spawnMonitorIdle' })) as Pid;
    const other = scheduler.spawn(Idle);
    await call(c, { op: 'monitor', pid: other });
    const info = await selfInfo(c);
    expect([...info.monitors].sort()).toEqual([child, other].sort());
    expect(info.monitoredBy).toEqual([]);
    expect(scheduler.processInfo(child)?.monitoredBy).toEqual([c]);
    expect(scheduler.processInfo(other)?.monitoredBy).toEqual([c]);
    expect(scheduler.processInfo(child)?.monitors).toEqual([]);
    scheduler.exit(child, 'kill');
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(c)?.monitors).toEqual([other]);
  });

  it('reports the registered name', async () => {
    const { scheduler, inbox, call, selfInfo } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect((await selfInfo(c)).registeredName).toBeUndefined();
    await call(c, { op: 'register', name: 'named' });
    expect((await selfInfo(c)).registeredName).toBe('named');
    expect(scheduler.processInfo(c)?.registeredName).toBe('named');
  });

  it('reports the actor name and module', () => {
    const { scheduler, inbox } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const idle = scheduler.spawn(Idle);
    expect(scheduler.processInfo(c)).toMatchObject({ actor: 'Commander', module: Commander.module });
    expect(scheduler.processInfo(idle)).toMatchObject({ actor: 'Idle', module: Idle.module });
    expect(Commander.module).toMatch(/fixtures\/messaging\.ts$/);
  });

  it('reports the trapExit flag', async () => {
    const { scheduler, inbox, call, selfInfo } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect((await selfInfo(c)).trapExit).toBe(false);
    expect(await call(c, { op: 'trapExit', on: true })).toBe(false); // the previous setting
    expect((await selfInfo(c)).trapExit).toBe(true);
    expect(scheduler.processInfo(c)?.trapExit).toBe(true);
    expect(await call(c, { op: 'trapExit', on: false })).toBe(true);
    expect(scheduler.processInfo(c)?.trapExit).toBe(false);
  });

  it('is undefined once the process has exited, however it ended', async () => {
    const { scheduler, inbox } = manual();
    const normal = scheduler.spawn(Commander, inbox.pid);
    const crashed = scheduler.spawn(Commander, inbox.pid);
    const killed = scheduler.spawn(Idle);
    scheduler.runUntilIdle();
    for (const pid of [normal, crashed, killed]) expect(scheduler.processInfo(pid)).toBeDefined();
    scheduler.send(normal, { op: 'return' });
    scheduler.send(crashed, { op: 'throw', message: 'x', uncaught: true });
    scheduler.exit(killed, 'kill');
    scheduler.runUntilIdle();
    expect(await scheduler.awaitExit(normal)).toBe('noproc'); // already gone
    for (const pid of [normal, crashed, killed]) expect(scheduler.processInfo(pid)).toBeUndefined();
    // And from inside a process.
    const asker = scheduler.spawn(Commander, inbox.pid);
    scheduler.send(asker, { op: 'info', pid: crashed });
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ ok: undefined }]);
  });

  it('is undefined for a pid that never named a process, and throws InvalidPidError for a non-pid', () => {
    const { scheduler } = manual();
    const pid = scheduler.spawn(Idle);
    expect(scheduler.processInfo((pid + 64 * 1000) as Pid)).toBeUndefined();
    for (const bad of [-1, 1.5, 'pid', null]) {
      expect(() => scheduler.processInfo(bad as Pid)).toThrow(InvalidPidError);
    }
  });
});
