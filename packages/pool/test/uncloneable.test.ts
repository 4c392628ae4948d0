// Messages and spawn arguments must survive structured clone. What cannot is
// refused at send (or spawn) with an UncloneableError naming the part at
// fault, wherever the receiver runs, and the runtime carries on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Inbox, type Pid, UncloneableError } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { type Caught, Echo, Idle, type Reply, SendsUncloneable, SpawnsUncloneable } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime;
let inbox: Inbox;
let echo: Pid;

beforeEach(async () => {
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
  inbox = rt.inbox();
  echo = rt.spawnOn(1, Echo);
});

afterEach(async () => {
  await rt.stop();
});

const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && 'echo' in m;

/** The error `fn` throws, or fails the test if it throws none. */
function thrownBy(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error, none was thrown');
}

function expectUncloneable(fn: () => unknown, path: string, what: RegExp): void {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(UncloneableError);
  expect(error.code).toBe('ERR_STRAND_UNCLONEABLE');
  expect(error.message.startsWith(`${path} `)).toBe(true);
  expect(error.message).toMatch(what);
}

/** The runtime still works: a plain message to the Echo gets its reply. */
async function expectStillAnswers(body: unknown): Promise<void> {
  rt.send(echo, { from: inbox.pid, body });
  expect(await inbox.receive((m) => isReply(m) && m.echo === body, 10_000)).toEqual({ echo: body, by: echo });
}

describe('uncloneable messages from plain code', () => {
  it('a function throws UncloneableError naming message.f', async () => {
    expectUncloneable(() => rt.send(echo, { f: () => 1 }), 'message.f', /is a function/);
    await expectStillAnswers('after a function');
  });

  it('a nested path is named: message.a[2].b', async () => {
    expectUncloneable(() => rt.send(echo, { a: [1, 'two', { b: function named() {} }] }), 'message.a[2].b', /function \(named\)/);
    await expectStillAnswers('after a nested function');
  });

  it('a symbol is refused, at the top and inside', async () => {
    expectUncloneable(() => rt.send(echo, Symbol('s')), 'message', /is a symbol/);
    expectUncloneable(() => rt.send(echo, { tag: Symbol('t') }), 'message.tag', /is a symbol/);
    await expectStillAnswers('after a symbol');
  });

  it('a Promise is refused', async () => {
    expectUncloneable(() => rt.send(echo, { pending: Promise.resolve(1) }), 'message.pending', /is a Promise/);
    await expectStillAnswers('after a promise');
  });

  it('is refused the same way for a receiver on any scheduler, and by name', async () => {
    const onTwo = rt.spawnOn(2, Echo);
    expectUncloneable(() => rt.send(onTwo, { f: () => 1 }), 'message.f', /is a function/);
    rt.register('uncloneable-echo', onTwo);
    expectUncloneable(() => rt.send('uncloneable-echo', [() => 1]), 'message[0]', /is a function/);
    rt.send('uncloneable-echo', { from: inbox.pid, body: 'by name' });
    expect(await inbox.receive(isReply, 10_000)).toEqual({ echo: 'by name', by: onTwo });
  });
});

describe('uncloneable messages from a process', () => {
  it.each([
    ['on another scheduler', 2],
    ['on the same scheduler', 1],
  ])('send throws at the send, the process catches it and carries on (receiver %s)', async (_label, where) => {
    const sender = rt.spawnOn(where, SendsUncloneable, inbox.pid, echo);
    const report = (await inbox.receive((m) => typeof m === 'object' && m !== null && (m as { step?: string }).step === 'send', 10_000)) as Caught;
    expect(report).toMatchObject({ step: 'send', caught: 'UncloneableError', code: 'ERR_STRAND_UNCLONEABLE' });
    expect(report.message.startsWith('message.body.handler ')).toBe(true);
    // The sender went on to send a plain message, which arrived.
    expect(await inbox.receive((m) => isReply(m) && m.echo === 'after', 10_000)).toEqual({ echo: 'after', by: echo });
    expect(await rt.processInfo(sender)).toBeDefined();
  });
});

describe('uncloneable spawn arguments', () => {
  it('from plain code, a function argument throws UncloneableError and nothing is spawned', async () => {
    const before = (await rt.processes()).length;
    expectUncloneable(() => rt.spawn(Idle, () => 1), 'spawn arguments[0]', /is a function/);
    expectUncloneable(() => rt.spawnOn(2, Idle, { nested: { f: () => 1 } }), 'spawn arguments[0].nested.f', /is a function/);
    expect((await rt.processes()).length).toBe(before);
    await expectStillAnswers('after bad spawns');
  });

  it('from a process, a function argument throws UncloneableError whatever scheduler placement picks', async () => {
    // One worker scheduler: placement can only put the child next to its parent.
    await rt.stop();
    rt = await Strand.start({ schedulers: 1, preload: [PRELOAD], onCrash: () => {} });
    inbox = rt.inbox();
    echo = rt.spawnOn(1, Echo);
    rt.spawnOn(1, SpawnsUncloneable, inbox.pid);
    const report = await inbox.receive((m) => typeof m === 'object' && m !== null && (m as { step?: string }).step === 'spawn', 10_000);
    expect(report).toMatchObject({ step: 'spawn', caught: 'UncloneableError', code: 'ERR_STRAND_UNCLONEABLE' });
    await expectStillAnswers('after a bad spawn in a process');
  });
});
