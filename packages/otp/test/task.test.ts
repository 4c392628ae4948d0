/**
 * Task, after Elixir's Task tests: results, awaitMany, failures through
 * the link or not, settle, timeouts and shutdown, tasks under a
 * DynamicSupervisor; on an in-thread Scheduler and on a Strand runtime
 * with two worker threads. Each scenario runs in a caller process
 * (fixtures/tasks.ts) that reports to the test's inbox.
 */
import { type ExitReason, type Pid, TIMEOUT } from '@strand/core';
import { describe, expect, it } from 'vitest';
import { MODES, expectMessage, has } from './behaviour-modes.js';
import { nodePerTest } from './node-per-test.js';
import { Pool } from './fixtures/dynamic.js';
import { Starter, type StarterReport, wire } from './fixtures/starter.js';
import {
  AsyncAwait,
  AwaitMany,
  AwaitTimeout,
  LinkedFailure,
  NolinkCaller,
  SettleTwice,
  TrappingCaller,
  UnderSupervisor,
} from './fixtures/tasks.js';

const boom = (message: string) => ({ error: expect.objectContaining({ name: 'Error', message }) });

describe.each(MODES)('Task ($name)', (mode) => {
  const env = nodePerTest(mode);

  it("await gives the value the task's generator returned", async () => {
    const caller = env.node.spawn(AsyncAwait, env.inbox.pid, 21);
    const exited = env.node.awaitExit(caller);
    const r = await expectMessage<{ value: number; task: Pid }>(env.inbox, has({ tag: 'result' }));
    expect(r.value).toBe(42);
    expect(r.task).not.toBe(caller);
    expect(await exited).toBe('normal');
  });

  it('awaitMany gives the results in the order of the tasks, not the order they finished in', async () => {
    env.node.spawn(AwaitMany, env.inbox.pid, [80, 40, 0, 20]);
    const r = await expectMessage<{ values: string[] }>(env.inbox, has({ tag: 'results' }));
    expect(r.values).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('a linked task that crashes takes down a caller that does not trap exits, with its reason', async () => {
    const caller = env.node.spawn(LinkedFailure, env.inbox.pid, false);
    const exited = env.node.awaitExit(caller);
    const { pid } = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'task' }));
    expect(await exited).toEqual(boom('boom'));
    expect(pid).not.toBe(caller);
    expect(await env.inbox.receive(has({ tag: 'await-threw' }), 0)).toBe(TIMEOUT);
  });

  it('a caller that traps exits gets TaskError from await, and the EXIT message', async () => {
    const caller = env.node.spawn(LinkedFailure, env.inbox.pid, true);
    const exited = env.node.awaitExit(caller);
    const { pid } = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'task' }));
    const r = await expectMessage<{ error: unknown; exitMessage: unknown }>(env.inbox, has({ tag: 'await-threw' }));
    expect(r.error).toEqual({ name: 'TaskError', taskError: true, timeoutError: false, reason: boom('boom') });
    expect(r.exitMessage).toEqual({ type: 'EXIT', from: pid, reason: boom('boom') });
    expect(await exited).toBe('normal');
  });

  it('a caller that traps exits gets no EXIT message from a task that succeeded', async () => {
    env.node.spawn(TrappingCaller, env.inbox.pid);
    expect(await expectMessage(env.inbox, has({ tag: 'trapping' }))).toEqual({ tag: 'trapping', value: 10, leftover: null });
  });

  it('asyncNolink: a failing task settles as { exit }, await throws TaskError, and the caller lives on', async () => {
    const caller = env.node.spawn(NolinkCaller, env.inbox.pid);
    const exited = env.node.awaitExit(caller);
    const r = await expectMessage<Record<string, unknown>>(env.inbox, has({ tag: 'nolink' }));
    expect(r.settled).toEqual({ exit: boom('nolink boom') });
    expect(r.awaited).toEqual({ name: 'TaskError', taskError: true, timeoutError: false, reason: boom('again') });
    expect(r.ok).toEqual({ ok: 8 });
    expect(await exited).toBe('normal');
  });

  it('settle answers TIMEOUT while the task runs, and can be asked again', async () => {
    env.node.spawn(SettleTwice, env.inbox.pid);
    expect(await expectMessage(env.inbox, has({ tag: 'settled' }))).toEqual({ tag: 'settled', first: 'timeout', second: { ok: 'done' } });
  });

  it('await that times out throws TaskTimeoutError; the task runs on and its late result is dropped; shutdown stops a task', async () => {
    const caller = env.node.spawn(AwaitTimeout, env.inbox.pid);
    const exited = env.node.awaitExit(caller);
    const r = await expectMessage<{ error: unknown; task: Pid }>(env.inbox, has({ tag: 'timed-out' }));
    expect(r.error).toEqual({ name: 'TaskTimeoutError', taskError: false, timeoutError: true, reason: undefined, timeoutMs: 20 });
    const after = await expectMessage<{ lateReason: ExitReason; leftover: unknown; slowReason: ExitReason }>(env.inbox, has({ tag: 'after-timeout' }));
    // The task ran on after the timeout, to a normal end (the caller let it finish and saw it end).
    expect(after.lateReason).toBe('normal');
    expect(after.leftover).toBeNull();
    expect(after.slowReason).toBe('shutdown');
    expect(await exited).toBe('normal');
  });

  it('asyncNolinkUnder runs tasks as temporary children of a DynamicSupervisor', async () => {
    const starter = env.node.spawn(Starter, env.inbox.pid, wire(Pool), [{}]);
    const started = await expectMessage<StarterReport>(env.inbox, has({ tag: 'started', starter }));
    const sup = (started as { pid: Pid }).pid;
    const caller = env.node.spawn(UnderSupervisor, env.inbox.pid, sup);
    const exited = env.node.awaitExit(caller);
    const r = await expectMessage<Record<string, unknown>>(env.inbox, has({ tag: 'under' }));
    expect(r.value).toBe(42);
    expect(r.failed).toEqual({ exit: boom('supervised boom') });
    // The finished tasks may still be listed: the supervisor learns of their ends asynchronously.
    expect(r.children).toContainEqual({ pid: r.slow, type: 'worker', restart: 'temporary' });
    expect(r.slowValue).toBe('slow');
    expect(await exited).toBe('normal');
  });
});
