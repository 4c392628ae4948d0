// Registered names live in shared memory: a name taken on one thread is seen,
// and refused, on every other, and released when its owner exits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Inbox, type Pid, NameTakenError } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand } from '@strand/pool';
import { Named, type Reply, SendByName, TryRegister, WhereIs } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime;
let inbox: Inbox;

beforeEach(async () => {
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
  inbox = rt.inbox();
});

afterEach(async () => {
  await rt.stop();
});

const has = (key: string) => (m: unknown): boolean => typeof m === 'object' && m !== null && key in m;

async function next(match: (m: unknown) => boolean): Promise<Record<string, unknown>> {
  const m = await inbox.receive(match, 10_000);
  expect(m).not.toBeTypeOf('symbol');
  return m as Record<string, unknown>;
}

/** Starts Named(name) on scheduler 1 and waits until it holds the name. */
async function registerOnOne(name: string): Promise<Pid> {
  const pid = rt.spawnOn(1, Named, name, inbox.pid);
  expect(await next(has('registered'))).toEqual({ registered: name, pid });
  return pid;
}

async function tryRegisterOnTwo(name: string): Promise<Record<string, unknown>> {
  const pid = rt.spawnOn(2, TryRegister, name, inbox.pid);
  expect(ownerOf(pid)).toBe(2);
  return next((m) => has('ok')(m) && ((m as { pid?: Pid }).pid === pid || (m as { by?: Pid }).by === pid));
}

describe('names across threads', () => {
  it('a name registered on scheduler 1 is found from plain code and from scheduler 2', async () => {
    const owner = await registerOnOne('svc');
    expect(rt.whereis('svc')).toBe(owner);
    expect(rt.registered()).toContain('svc');
    const asker = rt.spawnOn(2, WhereIs, 'svc', inbox.pid);
    expect(await next(has('whereis'))).toEqual({ whereis: owner, by: asker });
    const info = await rt.processInfo(owner);
    expect(info?.registeredName).toBe('svc');
  });

  it('sending by name works across threads, from plain code and from a process', async () => {
    const owner = await registerOnOne('by-name');
    rt.send('by-name', { from: inbox.pid, body: 'from plain code' });
    expect(await next(has('echo'))).toEqual({ echo: 'from plain code', by: owner } satisfies Reply);
    rt.spawnOn(2, SendByName, 'by-name', inbox.pid, 'from scheduler 2');
    expect(await next(has('echo'))).toEqual({ echo: 'from scheduler 2', by: owner } satisfies Reply);
  });

  it('a process on scheduler 2 registering a name held on scheduler 1 gets NameTakenError; so does plain code', async () => {
    const owner = await registerOnOne('taken');
    const report = await tryRegisterOnTwo('taken');
    expect(report).toMatchObject({ ok: false, error: 'NameTakenError', code: 'ERR_STRAND_NAME_TAKEN' });
    expect(() => rt.register('taken', rt.spawnOn(2, WhereIs, 'taken', inbox.pid))).toThrow(NameTakenError);
    expect(rt.whereis('taken')).toBe(owner);
  });

  it('the name is released when its owner crashes, and can be taken from another thread', async () => {
    const owner = await registerOnOne('crashy');
    const exit = rt.awaitExit(owner);
    rt.send('crashy', 'crash');
    expect(await exit).toMatchObject({ error: { message: 'named process asked to crash' } });
    expect(rt.whereis('crashy')).toBeUndefined();
    expect(rt.registered()).not.toContain('crashy');
    const report = await tryRegisterOnTwo('crashy');
    expect(report).toMatchObject({ ok: true });
    expect(rt.whereis('crashy')).toBe(report.pid);
    expect(ownerOf(report.pid as Pid)).toBe(2);
  });

  it('the name is released when its owner is killed, and can be taken from another thread', async () => {
    const owner = await registerOnOne('killable');
    const exit = rt.awaitExit(owner);
    rt.kill(owner);
    expect(await exit).toBe('killed');
    expect(rt.whereis('killable')).toBeUndefined();
    const report = await tryRegisterOnTwo('killable');
    expect(report).toMatchObject({ ok: true });
    expect(rt.whereis('killable')).toBe(report.pid);
    // And back again, from scheduler 1, once the new owner is gone too.
    const second = report.pid as Pid;
    const secondExit = rt.awaitExit(second);
    rt.kill(second);
    expect(await secondExit).toBe('killed');
    const third = await registerOnOne('killable');
    expect(rt.whereis('killable')).toBe(third);
  });
});
