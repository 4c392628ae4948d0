import { afterEach, describe, expect, it } from 'vitest';
import { OUTSIDE, Scheduler, type ExitReason, type Inbox, type Pid } from '../src/index.js';
import { Agent, ask } from './fixtures/faults.js';

let scheduler: Scheduler;
let inbox: Inbox;

afterEach(() => scheduler?.stop());

function start(): void {
  scheduler = new Scheduler({ onCrash: () => {} });
  inbox = scheduler.inbox();
}

function agent(): Pid {
  return scheduler.spawn(Agent, inbox.pid);
}

async function trapping(): Promise<Pid> {
  const pid = agent();
  expect(await ask(scheduler, inbox, pid, { op: 'trap', on: true })).toEqual({ from: pid, op: 'trap', previous: false });
  return pid;
}

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(scheduler, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

async function alive(pid: Pid): Promise<boolean> {
  if (scheduler.processInfo(pid) === undefined) return false;
  expect(await ask(scheduler, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

describe('trapExit', () => {
  it('turns the exit signal of a crashed linked process into an EXIT message', async () => {
    start();
    const trapper = await trapping();
    const child = agent();
    await ask(scheduler, inbox, trapper, { op: 'link', pid: child });
    scheduler.send(child, { op: 'crash', message: 'boom' });
    const reason = await scheduler.awaitExit(child);
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'boom' } });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: child, reason });
    expect(await alive(trapper)).toBe(true);
    expect(scheduler.processInfo(trapper)!.links).toEqual([]);
  });

  it('delivers EXIT with reason normal when a linked process ends normally', async () => {
    start();
    const trapper = await trapping();
    const child = agent();
    await ask(scheduler, inbox, trapper, { op: 'link', pid: child });
    scheduler.send(child, { op: 'return' });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: child, reason: 'normal' });
  });

  it.each<[string, ExitReason]>([
    ['normal', 'normal'],
    ['shutdown', 'shutdown'],
    ['{ shutdown: x }', { shutdown: { why: 'maintenance', code: 7 } }],
    ['{ error }', { error: { name: 'Error', message: 'remote' } }],
  ])('turns exit(pid, %s) from another process into an EXIT message', async (_label, reason) => {
    start();
    const trapper = await trapping();
    const sender = agent();
    await ask(scheduler, inbox, sender, { op: 'exit', pid: trapper, reason });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: sender, reason });
    expect(await alive(trapper)).toBe(true);
    // An exit signal is not a link: the sender is unaffected.
    expect(await alive(sender)).toBe(true);
  });

  it('turns an Error passed to exit into an EXIT message with an { error } reason', async () => {
    start();
    const trapper = await trapping();
    const sender = agent();
    await ask(scheduler, inbox, sender, { op: 'exit', pid: trapper, reason: new RangeError('out of range') });
    expect(await nextMessage(trapper)).toMatchObject({
      type: 'EXIT',
      from: sender,
      reason: { error: { name: 'RangeError', message: 'out of range' } },
    });
  });

  it('reports exit signals from plain code as coming from OUTSIDE', async () => {
    start();
    const trapper = await trapping();
    scheduler.exit(trapper, { shutdown: 'from outside' });
    expect(await nextMessage(trapper)).toEqual({ type: 'EXIT', from: OUTSIDE, reason: { shutdown: 'from outside' } });
  });

  it('returns the previous flag', async () => {
    start();
    const pid = agent();
    expect(scheduler.processInfo(pid)!.trapExit).toBe(false);
    expect(await ask(scheduler, inbox, pid, { op: 'trap', on: true })).toMatchObject({ previous: false });
    expect(scheduler.processInfo(pid)!.trapExit).toBe(true);
    expect(await ask(scheduler, inbox, pid, { op: 'trap', on: true })).toMatchObject({ previous: true });
    expect(await ask(scheduler, inbox, pid, { op: 'trap', on: false })).toMatchObject({ previous: true });
    expect(scheduler.processInfo(pid)!.trapExit).toBe(false);
    expect(await ask(scheduler, inbox, pid, { op: 'trap', on: false })).toMatchObject({ previous: false });
  });

  it('once turned off again, exit signals end the process', async () => {
    start();
    const pid = await trapping();
    await ask(scheduler, inbox, pid, { op: 'trap', on: false });
    const exited = scheduler.awaitExit(pid);
    scheduler.exit(pid, 'shutdown');
    expect(await exited).toBe('shutdown');
  });

  it('exit(pid, normal) does not end another process that does not trap exits', async () => {
    start();
    const target = agent();
    const sender = agent();
    await ask(scheduler, inbox, sender, { op: 'exit', pid: target, reason: 'normal' });
    scheduler.exit(target, 'normal'); // from plain code, too
    expect(await alive(target)).toBe(true);
    // Ignored, not turned into a message.
    expect(await ask(scheduler, inbox, target, { op: 'drain' })).toEqual({ from: target, op: 'drain', messages: [] });
  });

  it('exit(self(), normal) ends the caller with reason normal', async () => {
    start();
    const pid = agent();
    const exited = scheduler.awaitExit(pid);
    scheduler.send(pid, { op: 'exitSelf', reason: 'normal' });
    expect(await exited).toBe('normal');
  });

  it('exit(self(), normal) in a trapping process is an EXIT message from itself', async () => {
    start();
    const pid = await trapping();
    scheduler.send(pid, { op: 'exitSelf', reason: 'normal' });
    expect(await inbox.receive({ from: pid, op: 'exitSelf', stage: 'after-yield' })).toBeDefined();
    expect(await nextMessage(pid)).toEqual({ type: 'EXIT', from: pid, reason: 'normal' });
    expect(await alive(pid)).toBe(true);
  });
});
