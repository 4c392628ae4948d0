import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type CrashReport, type Inbox, type Pid } from '../src/index.js';
import { Agent, ChainLink, ask } from './fixtures/faults.js';

let scheduler: Scheduler;
let inbox: Inbox;
let crashes: CrashReport[];

afterEach(() => scheduler?.stop());

function start(): void {
  crashes = [];
  scheduler = new Scheduler({ onCrash: (report) => crashes.push(report) });
  inbox = scheduler.inbox();
}

function agent(): Pid {
  return scheduler.spawn(Agent, inbox.pid);
}

async function alive(pid: Pid): Promise<boolean> {
  if (scheduler.processInfo(pid) === undefined) return false;
  expect(await ask(scheduler, inbox, pid, { op: 'ping' })).toEqual({ from: pid, op: 'ping' });
  return true;
}

/** A pid this scheduler never handed out. */
const NEVER_SPAWNED = (1_000_000 * 64) as Pid;

describe('links', () => {
  it('a crash kills the linked process with the same reason', async () => {
    start();
    const a = agent();
    const b = agent();
    await ask(scheduler, inbox, a, { op: 'link', pid: b });
    const aExit = scheduler.awaitExit(a);
    const bExit = scheduler.awaitExit(b);
    scheduler.send(b, { op: 'crash', message: 'boom' });
    const reason = await bExit;
    expect(reason).toMatchObject({ error: { name: 'Error', message: 'boom' } });
    expect(await aExit).toEqual(reason);
    // Only the process that threw is a crash; the linked one was taken down.
    expect(crashes.map((c) => c.pid)).toEqual([b]);
  });

  it('exit(pid, reason) from another process kills the processes linked to the target', async () => {
    start();
    const a = agent();
    const b = agent();
    const killer = agent();
    await ask(scheduler, inbox, a, { op: 'link', pid: b });
    const aExit = scheduler.awaitExit(a);
    const bExit = scheduler.awaitExit(b);
    await ask(scheduler, inbox, killer, { op: 'exit', pid: b, reason: { shutdown: 'bye' } });
    expect(await bExit).toEqual({ shutdown: 'bye' });
    expect(await aExit).toEqual({ shutdown: 'bye' });
    expect(await alive(killer)).toBe(true);
  });

  it('propagates transitively along a chain of links', async () => {
    start();
    const chain = [agent(), agent(), agent(), agent(), agent()];
    for (let i = 0; i + 1 < chain.length; i++) {
      await ask(scheduler, inbox, chain[i]!, { op: 'link', pid: chain[i + 1]! });
    }
    const exits = chain.map((pid) => scheduler.awaitExit(pid));
    scheduler.send(chain[4]!, { op: 'crash', message: 'chain' });
    const reasons = await Promise.all(exits);
    for (const reason of reasons) expect(reason).toMatchObject({ error: { message: 'chain' } });
    expect(crashes.map((c) => c.pid)).toEqual([chain[4]]);
    expect(scheduler.processes()).toEqual([inbox.pid]);
  });

  it('a normal exit does not kill linked processes, and removes the link', async () => {
    start();
    const a = agent();
    const b = agent();
    const c = agent();
    await ask(scheduler, inbox, a, { op: 'link', pid: b });
    await ask(scheduler, inbox, b, { op: 'link', pid: c });
    scheduler.send(b, { op: 'return' });
    expect(await scheduler.awaitExit(b)).toBe('normal');
    expect(await alive(a)).toBe(true);
    expect(await alive(c)).toBe(true);
    expect(scheduler.processInfo(a)!.links).toEqual([]);
    expect(scheduler.processInfo(c)!.links).toEqual([]);
    // And no EXIT message reached them either (they do not trap).
    expect(await ask(scheduler, inbox, a, { op: 'drain' })).toEqual({ from: a, op: 'drain', messages: [] });
  });

  it('unlink stops propagation', async () => {
    start();
    const a = agent();
    const b = agent();
    await ask(scheduler, inbox, a, { op: 'link', pid: b });
    await ask(scheduler, inbox, a, { op: 'unlink', pid: b });
    expect(scheduler.processInfo(a)!.links).toEqual([]);
    expect(scheduler.processInfo(b)!.links).toEqual([]);
    scheduler.send(b, { op: 'crash', message: 'alone' });
    expect(await scheduler.awaitExit(b)).toMatchObject({ error: { message: 'alone' } });
    expect(await alive(a)).toBe(true);
  });

  it('unlink by the other side also removes both halves of the link', async () => {
    start();
    const a = agent();
    const b = agent();
    await ask(scheduler, inbox, a, { op: 'link', pid: b });
    await ask(scheduler, inbox, b, { op: 'unlink', pid: a });
    expect(scheduler.processInfo(a)!.links).toEqual([]);
    scheduler.send(a, { op: 'crash', message: 'linker dies' });
    expect(await scheduler.awaitExit(a)).toMatchObject({ error: { message: 'linker dies' } });
    expect(await alive(b)).toBe(true);
  });

  it('is bidirectional: the death of the process that called link kills the other one', async () => {
    start();
    const a = agent();
    const b = agent();
    await ask(scheduler, inbox, a, { op: 'link', pid: b });
    expect(scheduler.processInfo(a)!.links).toEqual([b]);
    expect(scheduler.processInfo(b)!.links).toEqual([a]);
    const bExit = scheduler.awaitExit(b);
    scheduler.send(a, { op: 'crash', message: 'linker' });
    expect(await bExit).toMatchObject({ error: { message: 'linker' } });
  });

  it('linking to a dead pid ends the caller with reason noproc', async () => {
    start();
    const dead = agent();
    scheduler.send(dead, { op: 'return' });
    expect(await scheduler.awaitExit(dead)).toBe('normal');
    const a = agent();
    const aExit = scheduler.awaitExit(a); // before it can die: awaitExit of a dead pid is 'noproc' too
    await ask(scheduler, inbox, a, { op: 'link', pid: dead });
    expect(await aExit).toBe('noproc');
  });

  it('linking to a pid that never existed ends the caller with reason noproc', async () => {
    start();
    const a = agent();
    const aExit = scheduler.awaitExit(a);
    await ask(scheduler, inbox, a, { op: 'link', pid: NEVER_SPAWNED });
    expect(await aExit).toBe('noproc');
  });

  it('linking to a dead pid while trapping exits is an EXIT message with noproc', async () => {
    start();
    const dead = agent();
    scheduler.send(dead, { op: 'return' });
    await scheduler.awaitExit(dead);
    const a = agent();
    await ask(scheduler, inbox, a, { op: 'trap', on: true });
    await ask(scheduler, inbox, a, { op: 'link', pid: dead });
    expect(await ask(scheduler, inbox, a, { op: 'next' })).toEqual({
      from: a,
      op: 'next',
      message: { type: 'EXIT', from: dead, reason: 'noproc' },
    });
    expect(scheduler.processInfo(a)!.links).toEqual([]);
    expect(await alive(a)).toBe(true);
  });

  it('a chain of 100,000 linked processes dies without a stack overflow when one end crashes', async () => {
    start();
    const n = 100_000;
    const head = scheduler.spawn(ChainLink, n, inbox.pid);
    const headExit = scheduler.awaitExit(head);
    const { tail } = (await inbox.receive()) as { tail: Pid };
    expect(scheduler.stats.processes).toBe(n + 1); // the chain and the inbox
    scheduler.send(tail, { op: 'crash', message: 'end of chain' });
    expect(await headExit).toMatchObject({ error: { name: 'Error', message: 'end of chain' } });
    expect(scheduler.stats.processes).toBe(1);
    expect(scheduler.processes()).toEqual([inbox.pid]);
    expect(crashes.map((c) => c.pid)).toEqual([tail]);
  });
});
