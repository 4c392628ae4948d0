import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type ExitReason, type Inbox, type Pid } from '../src/index.js';
import { Agent, ReportingSpinner, SpinningCleanup, WaitingCleanup, ask } from './fixtures/faults.js';

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

async function nextMessage(pid: Pid): Promise<unknown> {
  return ((await ask(scheduler, inbox, pid, { op: 'next' })) as { message: unknown }).message;
}

async function drain(pid: Pid): Promise<unknown[]> {
  return ((await ask(scheduler, inbox, pid, { op: 'drain' })) as { messages: unknown[] }).messages;
}

async function alive(pid: Pid): Promise<boolean> {
  if (scheduler.processInfo(pid) === undefined) return false;
  expect(await ask(scheduler, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

/** Everything the inbox gets until a sentinel sent now from plain code (all earlier messages are in). */
async function inboxSoFar(): Promise<unknown[]> {
  const sentinel = { sentinel: Math.random() };
  scheduler.send(inbox.pid, sentinel);
  const got: unknown[] = [];
  for (;;) {
    const m = await inbox.receive();
    if (m === sentinel) return got;
    got.push(m);
  }
}

describe("exit(pid, 'kill')", () => {
  it("ends a trapping process; monitors and links see 'killed', and linked trapping processes get it as EXIT", async () => {
    start();
    const victim = agent();
    await ask(scheduler, inbox, victim, { op: 'trap', on: true });
    const watcher = agent();
    const { ref } = await ask<{ ref: string }>(scheduler, inbox, watcher, { op: 'monitor', pid: victim });
    const linkedTrapper = agent();
    await ask(scheduler, inbox, linkedTrapper, { op: 'trap', on: true });
    await ask(scheduler, inbox, linkedTrapper, { op: 'link', pid: victim });
    const linkedPlain = agent();
    await ask(scheduler, inbox, linkedPlain, { op: 'link', pid: victim });
    const victimExit = scheduler.awaitExit(victim);
    const linkedPlainExit = scheduler.awaitExit(linkedPlain);

    const killer = agent();
    await ask(scheduler, inbox, killer, { op: 'exit', pid: victim, reason: 'kill' });

    expect(await victimExit).toBe('killed');
    expect(await nextMessage(watcher)).toEqual({ type: 'DOWN', ref, pid: victim, reason: 'killed' });
    // 'killed' arriving over a link is an ordinary reason: trappable, and fatal to non-trappers.
    expect(await nextMessage(linkedTrapper)).toEqual({ type: 'EXIT', from: victim, reason: 'killed' });
    expect(await alive(linkedTrapper)).toBe(true);
    expect(await linkedPlainExit).toBe('killed');
    // The trapping victim never saw a 'kill' message.
    expect(await alive(killer)).toBe(true);
  });

  it('kills a trapping process from plain code too', async () => {
    start();
    const victim = agent();
    await ask(scheduler, inbox, victim, { op: 'trap', on: true });
    const exited = scheduler.awaitExit(victim);
    scheduler.exit(victim, 'kill');
    expect(await exited).toBe('killed');
  });

  it("exit(self(), 'kill') ends even a trapping caller, with reason 'killed'", async () => {
    start();
    const pid = agent();
    await ask(scheduler, inbox, pid, { op: 'trap', on: true });
    const exited = scheduler.awaitExit(pid);
    scheduler.send(pid, { op: 'exitSelf', reason: 'kill' });
    expect(await exited).toBe('killed');
  });

  it('ends a process stuck in an infinite yielding loop (killed from plain code)', async () => {
    start();
    const spinner = scheduler.spawn(ReportingSpinner, inbox.pid);
    const exited = scheduler.awaitExit(spinner);
    expect(await inbox.receive()).toEqual({ started: spinner });
    expect(scheduler.processInfo(spinner)!.reductions).toBeGreaterThan(0);
    scheduler.exit(spinner, 'kill');
    expect(await exited).toBe('killed');
    expect(scheduler.processInfo(spinner)).toBeUndefined();
  });

  it('ends a process stuck in an infinite yielding loop (killed by another process)', async () => {
    start();
    const spinner = scheduler.spawn(ReportingSpinner, inbox.pid);
    const exited = scheduler.awaitExit(spinner);
    expect(await inbox.receive()).toEqual({ started: spinner });
    const killer = agent();
    await ask(scheduler, inbox, killer, { op: 'exit', pid: spinner, reason: 'kill' });
    expect(await exited).toBe('killed');
  });

  it.each([false, true])(
    'runs the finally blocks of a process killed while waiting in receive, as that process, before its monitors are told (trapping: %s)',
    async (trap) => {
      start();
      const watcher = agent();
      const victim = scheduler.spawn(WaitingCleanup, watcher, trap);
      const { ref } = await ask<{ ref: string }>(scheduler, inbox, watcher, { op: 'monitor', pid: victim });
      expect(await nextMessage(watcher)).toEqual({ ready: victim });
      expect(scheduler.processInfo(victim)!.status).toBe('waiting');
      const exited = scheduler.awaitExit(victim);
      scheduler.exit(victim, 'kill');
      expect(await exited).toBe('killed');
      expect(await drain(watcher)).toEqual([{ cleanup: victim }, { type: 'DOWN', ref, pid: victim, reason: 'killed' }]);
    },
  );

  it('runs the finally blocks of a process killed while runnable in a yielding loop', async () => {
    start();
    const victim = scheduler.spawn(SpinningCleanup, inbox.pid);
    expect(await inbox.receive()).toEqual({ ready: victim });
    const exited = scheduler.awaitExit(victim);
    const killer = agent();
    await ask(scheduler, inbox, killer, { op: 'exit', pid: victim, reason: 'kill' });
    expect(await exited).toBe('killed');
    expect(await inboxSoFar()).toEqual([{ cleanup: victim }]);
  });

  it.each<[string, ExitReason, ExitReason]>([
    ['{ shutdown: x }', { shutdown: 'self' }, { shutdown: 'self' }],
    ['an { error }', { error: { name: 'Error', message: 'self' } }, { error: { name: 'Error', message: 'self' } }],
    ["'kill'", 'kill', 'killed'],
  ])('exit(self(), %s) takes effect at the next yield, not before', async (_label, reason, expected) => {
    start();
    const pid = agent();
    const exited = scheduler.awaitExit(pid);
    scheduler.send(pid, { op: 'exitSelf', reason });
    expect(await exited).toEqual(expected);
    // The code between exit(self()) and the next yield ran; the code after it did not.
    expect(await inboxSoFar()).toEqual([{ from: pid, op: 'exitSelf', stage: 'called' }]);
  });
});
