import { afterEach, describe, expect, it } from 'vitest';
import {
  AlreadyRegisteredError,
  type CrashReport,
  type ExitReasonInput,
  InvalidActorError,
  InvalidExitReasonError,
  InvalidNameError,
  InvalidOptionError,
  InvalidPidError,
  InvalidTimeoutError,
  ManualClock,
  NameTakenError,
  NoProcError,
  NotInProcessError,
  type Pid,
  Scheduler,
  type SchedulerOptions,
  StrandError,
  actor,
  exit,
  receive,
  register,
  self,
  send,
  sleep,
  spawn,
  whereis,
} from '@strand/core';
import {
  Commander,
  type Envelope,
  Idle,
  NeedsOptions,
  Replier,
  type Reply,
  StubbornBadYielder,
  drainInbox,
} from './fixtures/messaging.js';

// Single-thread only: manual drive, bad Scheduler options, scheduler.stats and sendAfter from
// plain code.

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function manual(options: SchedulerOptions = {}) {
  const crashes: CrashReport[] = [];
  const scheduler = new Scheduler({
    drive: 'manual',
    clock: new ManualClock(),
    onCrash: (r) => crashes.push(r),
    ...options,
  });
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
  /** The runtime still works: a new process can be spawned and answers a message. */
  let round = 0;
  const assertAlive = async () => {
    round += 1;
    const replier = scheduler.spawn(Replier);
    scheduler.send(replier, { from: inbox.pid, body: round });
    scheduler.runUntilIdle();
    expect(await drainInbox(inbox)).toEqual([{ echo: round }]);
  };
  return { scheduler, inbox, call, assertAlive, crashes };
}

/** Runs `fn`, which must throw, and returns what it threw. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

/** Asserts `e` is an instance of `type` (and so of StrandError) with the given code. */
function expectStrandError(e: unknown, type: abstract new (...args: never[]) => StrandError, code: string): void {
  expect(e).toBeInstanceOf(type);
  expect(e).toBeInstanceOf(StrandError);
  expect((e as StrandError).code).toBe(code);
}

/** What a Commander reports for an error it caught, as a matcher. */
const caught = (name: string, code: string) => ({
  error: expect.objectContaining({ name, code, classes: ['StrandError', name] }),
});

describe('bad input to actor() and spawn', () => {
  const cases: [string, unknown][] = [
    ['a plain function', function plain() {}],
    ['an arrow function', () => {}],
    ['an async function', async function asyncFn() {}],
    ['an async generator function', async function* asyncGen() {}],
    ['a non-function', 42],
  ];
  it.each(cases)('actor() refuses %s as a body with InvalidActorError', async (_what, body) => {
    const { assertAlive } = manual();
    const e = thrownBy(() => actor(import.meta.url, 'Bad', body as never));
    expectStrandError(e, InvalidActorError, 'ERR_STRAND_INVALID_ACTOR');
    await assertAlive();
  });

  it('actor() names what is wrong with an async body', () => {
    expect(thrownBy(() => actor(import.meta.url, 'A', (async () => {}) as never))).toHaveProperty(
      'message',
      expect.stringMatching(/async function/),
    );
    expect(thrownBy(() => actor(import.meta.url, 'B', async function* () {} as never))).toHaveProperty(
      'message',
      expect.stringMatching(/async generator/),
    );
  });

  it.each([
    ['an empty name', import.meta.url, ''],
    ['a non-string name', import.meta.url, 7],
    ['an empty module', '', 'Name'],
  ])('actor() refuses %s with InvalidActorError', async (_what, module, name) => {
    const { assertAlive } = manual();
    const e = thrownBy(() => actor(module, name as string, function* () {}));
    expectStrandError(e, InvalidActorError, 'ERR_STRAND_INVALID_ACTOR');
    await assertAlive();
  });

  it('spawn from plain code refuses a non-actor with InvalidActorError and starts nothing', async () => {
    const { scheduler, assertAlive } = manual();
    const before = scheduler.processes();
    for (const bad of [{}, null, undefined, 'Idle', Idle.body, { module: Idle.module, name: 'Idle', body: () => {} }]) {
      expectStrandError(thrownBy(() => scheduler.spawn(bad as never)), InvalidActorError, 'ERR_STRAND_INVALID_ACTOR');
      expect(scheduler.processes()).toEqual(before);
      await assertAlive();
      before.push(...scheduler.processes().filter((p) => !before.includes(p)));
    }
  });

  it('spawn inside a process refuses a non-actor with InvalidActorError', async () => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    for (const bad of [{}, null, 'Idle']) {
      expect(await call(c, { op: 'spawnValue', value: bad })).toEqual(caught('InvalidActorError', 'ERR_STRAND_INVALID_ACTOR'));
      await assertAlive();
    }
  });

  it('an actor whose parameters reject the spawn arguments crashes the child, not the caller', async () => {
    // Erlang: spawn never fails because of the child's arguments; the child exits with the error.
    const { scheduler, assertAlive } = manual();
    let child: Pid | undefined;
    expect(() => {
      child = scheduler.spawn(NeedsOptions as never);
    }).not.toThrow();
    const exited = scheduler.awaitExit(child!);
    scheduler.runUntilIdle();
    expect(await exited).toMatchObject({ error: { name: 'TypeError' } });
    await assertAlive();
  });
});

describe('bad pids', () => {
  const badPids: [string, unknown][] = [
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['{}', {}],
    ['null', null],
    ['undefined', undefined],
  ];

  it.each(badPids)('send from plain code to %s throws InvalidPidError', async (_what, bad) => {
    const { scheduler, assertAlive } = manual();
    expectStrandError(thrownBy(() => scheduler.send(bad as Pid, 'x')), InvalidPidError, 'ERR_STRAND_INVALID_PID');
    await assertAlive();
  });

  it.each(badPids)('send inside a process to %s throws InvalidPidError', async (_what, bad) => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'send', to: bad, message: 'x' })).toEqual(caught('InvalidPidError', 'ERR_STRAND_INVALID_PID'));
    await assertAlive();
  });

  it('send to a dead pid does not throw, from plain code or from a process', async () => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const dead = scheduler.spawn(Idle);
    scheduler.exit(dead, 'kill');
    expect(scheduler.processInfo(dead)).toBeUndefined();
    expect(() => scheduler.send(dead, 'into the void')).not.toThrow();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'send', to: dead, message: 'into the void' })).toEqual({ ok: undefined });
    expect(scheduler.processInfo(c)?.status).toBe('waiting');
    await assertAlive();
  });
});

describe('bad timeouts', () => {
  const badTimeouts: [string, unknown][] = [
    ['-1', -1],
    ['NaN', Number.NaN],
    ["'5'", '5'],
  ];

  it.each(badTimeouts)('receive with timeout %s crashes the process with InvalidTimeoutError', async (_what, bad) => {
    const { scheduler, inbox, assertAlive, crashes } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const exited = scheduler.awaitExit(c);
    scheduler.send(c, { op: 'receive', timeout: bad, uncaught: true });
    scheduler.runUntilIdle();
    const reason = await exited;
    expect(reason).toMatchObject({ error: { name: 'InvalidTimeoutError' } });
    expect(crashes.map((r) => r.pid)).toEqual([c]);
    await assertAlive();
  });

  it.each(badTimeouts)('receive with timeout %s throws InvalidTimeoutError the process can catch', async (_what, bad) => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'receive', timeout: bad })).toEqual(caught('InvalidTimeoutError', 'ERR_STRAND_INVALID_TIMEOUT'));
    expect(await call(c, { op: 'self' })).toEqual({ ok: c }); // still serving
    await assertAlive();
  });

  it.each(badTimeouts)('sleep(%s) throws InvalidTimeoutError', async (_what, bad) => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'sleep', ms: bad })).toEqual(caught('InvalidTimeoutError', 'ERR_STRAND_INVALID_TIMEOUT'));
    await assertAlive();
  });

  it.each(badTimeouts)('sendAfter from plain code with delay %s throws InvalidTimeoutError', async (_what, bad) => {
    const { scheduler, inbox, assertAlive } = manual();
    const e = thrownBy(() => scheduler.sendAfter(bad as number, inbox.pid, 'x'));
    expectStrandError(e, InvalidTimeoutError, 'ERR_STRAND_INVALID_TIMEOUT');
    expect(scheduler.stats.timers).toBe(0);
    await assertAlive();
  });
});

describe('bad exit reasons', () => {
  const badReasons: [string, unknown][] = [
    ["'bogus'", 'bogus'],
    ['42', 42],
    ['null', null],
    ['undefined', undefined],
    ['{}', {}],
    ["{ error: 'text' }", { error: 'text' }],
  ];

  it.each(badReasons)('exit() from plain code with %s throws InvalidExitReasonError and leaves the target alone', async (_what, bad) => {
    const { scheduler, assertAlive } = manual();
    const target = scheduler.spawn(Idle);
    scheduler.runUntilIdle();
    const e = thrownBy(() => scheduler.exit(target, bad as ExitReasonInput));
    expectStrandError(e, InvalidExitReasonError, 'ERR_STRAND_INVALID_REASON');
    scheduler.runUntilIdle();
    expect(scheduler.processInfo(target)?.status).toBe('waiting');
    await assertAlive();
  });

  it.each(badReasons)('exit() inside a process with %s throws InvalidExitReasonError', async (_what, bad) => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const target = scheduler.spawn(Idle);
    expect(await call(c, { op: 'exit', pid: target, reason: bad })).toEqual(
      caught('InvalidExitReasonError', 'ERR_STRAND_INVALID_REASON'),
    );
    expect(scheduler.processInfo(target)).toBeDefined();
    expect(scheduler.processInfo(c)).toBeDefined();
    await assertAlive();
  });

  it('exit() to a non-pid throws InvalidPidError', async () => {
    const { scheduler, assertAlive } = manual();
    expectStrandError(thrownBy(() => scheduler.exit(-1 as Pid, 'shutdown')), InvalidPidError, 'ERR_STRAND_INVALID_PID');
    await assertAlive();
  });
});

describe('bad registrations', () => {
  it('registering a taken name, a second name, a bad name or a dead pid throws a typed error', async () => {
    const { scheduler, assertAlive } = manual();
    const a = scheduler.spawn(Idle);
    const b = scheduler.spawn(Idle);
    scheduler.register('a', a);
    expectStrandError(thrownBy(() => scheduler.register('a', b)), NameTakenError, 'ERR_STRAND_NAME_TAKEN');
    await assertAlive();
    expectStrandError(thrownBy(() => scheduler.register('a2', a)), AlreadyRegisteredError, 'ERR_STRAND_ALREADY_REGISTERED');
    await assertAlive();
    expectStrandError(thrownBy(() => scheduler.register('', b)), InvalidNameError, 'ERR_STRAND_INVALID_NAME');
    await assertAlive();
    scheduler.exit(b, 'kill');
    expectStrandError(thrownBy(() => scheduler.register('b', b)), NoProcError, 'ERR_STRAND_NOPROC');
    await assertAlive();
    expect(scheduler.registered()).toEqual(['a']);
  });

  it('registering twice inside a process throws typed errors the process can catch', async () => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'register', name: 'me' })).toEqual({ ok: undefined });
    expect(await call(c, { op: 'register', name: 'me' })).toEqual(caught('NameTakenError', 'ERR_STRAND_NAME_TAKEN'));
    expect(await call(c, { op: 'register', name: 'me too' })).toEqual(
      caught('AlreadyRegisteredError', 'ERR_STRAND_ALREADY_REGISTERED'),
    );
    await assertAlive();
  });
});

describe('process functions called from plain code', () => {
  const calls: [string, () => unknown][] = [
    ['self()', () => self()],
    ['send()', () => send(1 as Pid, 'x')],
    ['receive()', () => receive()[Symbol.iterator]().next()],
    ['receive(pattern, timeout)', () => receive({ a: 1 }, 10)[Symbol.iterator]().next()],
    ['sleep()', () => sleep(10)[Symbol.iterator]().next()],
    ['spawn()', () => spawn(Idle)],
    ['register()', () => register('x')],
    ['whereis()', () => whereis('x')],
    ['exit()', () => exit(1 as Pid, 'kill')],
  ];

  it.each(calls)('%s throws NotInProcessError', async (_what, fn) => {
    const { scheduler, assertAlive } = manual();
    scheduler.spawn(Idle);
    scheduler.runUntilIdle();
    expectStrandError(thrownBy(fn), NotInProcessError, 'ERR_STRAND_NOT_IN_PROCESS');
    await assertAlive();
  });

  it('self() in an onCrash callback (plain code called by the runtime) throws NotInProcessError', async () => {
    let outcome: unknown = 'onCrash not called';
    const { scheduler, inbox, assertAlive } = manual({
      onCrash: () => {
        try {
          outcome = { self: self() };
        } catch (e) {
          outcome = e;
        }
      },
    });
    const c = scheduler.spawn(Commander, inbox.pid);
    scheduler.send(c, { op: 'throw', message: 'crash', uncaught: true });
    scheduler.runUntilIdle();
    expectStrandError(outcome, NotInProcessError, 'ERR_STRAND_NOT_IN_PROCESS');
    await assertAlive();
  });
});

describe('yielding something that is not an effect', () => {
  const values = ['promise', 'number', 'receive-without-star'] as const;

  it.each(values)('yielding a %s throws InvalidEffectError at that yield, which the process can catch', async (value) => {
    const { scheduler, inbox, call, assertAlive } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    expect(await call(c, { op: 'badYield', value })).toEqual(caught('InvalidEffectError', 'ERR_STRAND_INVALID_EFFECT'));
    // It caught the error and goes on serving commands.
    expect(await call(c, { op: 'self' })).toEqual({ ok: c });
    expect(scheduler.processInfo(c)?.status).toBe('waiting');
    await assertAlive();
  });

  it.each(values)('yielding a %s uncaught crashes the process with InvalidEffectError', async (value) => {
    const { scheduler, inbox, assertAlive, crashes } = manual();
    const c = scheduler.spawn(Commander, inbox.pid);
    const exited = scheduler.awaitExit(c);
    scheduler.send(c, { op: 'badYield', value, uncaught: true });
    scheduler.runUntilIdle();
    expect(await exited).toMatchObject({ error: { name: 'InvalidEffectError', message: expect.stringMatching(/yield/) } });
    expect(crashes).toHaveLength(1);
    expect(await drainInbox(inbox)).toEqual([]); // the line after the yield never ran
    await assertAlive();
  });

  it('a process that keeps yielding bad values and catching the error is still preempted', () => {
    const { scheduler, inbox } = manual({ reductionsPerSlice: 10 });
    const stubborn = scheduler.spawn(StubbornBadYielder, inbox.pid, 1000);
    expect(scheduler.step()).toBe(true); // the inbox relay's first slice
    expect(scheduler.step()).toBe(true); // one slice of the stubborn process
    const info = scheduler.processInfo(stubborn);
    expect(info?.status).toBe('runnable');
    expect(info?.reductions).toBeLessThanOrEqual(20);
  });
});

describe('bad scheduler options', () => {
  const badOptions: [string, Record<string, unknown>][] = [
    ['reductionsPerSlice 0', { reductionsPerSlice: 0 }],
    ['reductionsPerSlice -1', { reductionsPerSlice: -1 }],
    ['reductionsPerSlice 1.5', { reductionsPerSlice: 1.5 }],
    ['reductionsPerSlice NaN', { reductionsPerSlice: Number.NaN }],
    ["reductionsPerSlice '10'", { reductionsPerSlice: '10' }],
    ['sliceTimeLimitMs 0', { sliceTimeLimitMs: 0 }],
    ['turnTimeLimitMs Infinity', { turnTimeLimitMs: Number.POSITIVE_INFINITY }],
    ["drive 'x'", { drive: 'x' }],
    ['index 64', { index: 64 }],
    ['index -1', { index: -1 }],
    ['index 1.5', { index: 1.5 }],
    ['clock {}', { clock: {} }],
    ["onCrash 'log'", { onCrash: 'log' }],
  ];

  it.each(badOptions)('%s throws InvalidOptionError', async (_what, options) => {
    const e = thrownBy(() => new Scheduler(options as SchedulerOptions));
    expectStrandError(e, InvalidOptionError, 'ERR_STRAND_INVALID_OPTION');
    // Other schedulers are not affected.
    const { assertAlive } = manual();
    await assertAlive();
  });

  it('accepts the boundary values', async () => {
    for (const options of [{ reductionsPerSlice: 1 }, { index: 63 }, { index: 0 }]) {
      const { assertAlive } = manual(options);
      await assertAlive();
    }
  });
});
