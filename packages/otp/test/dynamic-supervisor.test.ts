/**
 * DynamicSupervisor, after Elixir's DynamicSupervisor tests: children on
 * demand, maxChildren, restart types, restart intensity, and concurrent
 * shutdown; on an in-thread Scheduler and on a Strand runtime with two
 * worker threads. Each supervisor is started by a Starter (its parent).
 */
import { type ExitReason, type Pid, TIMEOUT } from '@strand/core';
import {
  DEFAULT_DYNAMIC_INTENSITY,
  type DynamicChildInfo,
  type DynamicChildSpec,
  DynamicSupervisorRequests,
  type DynamicSupervisorFlags,
  MaxChildrenError,
  SupervisorError,
  callFrom,
  type ChildCounts,
  type RestartType,
  unwrap,
} from '@strand/otp';
import { describe, expect, it } from 'vitest';
import { MODES, expectMessage, has } from './behaviour-modes.js';
import { nodePerTest } from './node-per-test.js';
import { Client, Filler, Flaky, Ignorer, Lingerer, Pool, Stubborn, Worker, type WorkerCommand } from './fixtures/dynamic.js';
import { Starter, type StarterReport, wire } from './fixtures/starter.js';

describe.each(MODES)('DynamicSupervisor ($name)', (mode) => {
  const env = nodePerTest(mode);

  /** Starts a Pool with `flags` under a Starter. */
  async function startPool(flags: DynamicSupervisorFlags = {}): Promise<{ starter: Pid; sup: Pid }> {
    const starter = env.node.spawn(Starter, env.inbox.pid, wire(Pool), [flags]);
    const r = await expectMessage<StarterReport>(env.inbox, (m) => has({ tag: 'started', starter })(m) || has({ tag: 'start-failed', starter })(m));
    if (r.tag !== 'started' || r.pid === undefined) throw new Error(`pool did not start: ${JSON.stringify(r)}`);
    return { starter, sup: r.pid };
  }

  /** A supervisor API call from plain code, unwrapped. */
  async function ask<T>(sup: Pid, request: unknown): Promise<T> {
    return unwrap<T>(await callFrom(env.node, sup, request, 10_000));
  }

  function workerSpec(name: string, restart?: RestartType): DynamicChildSpec {
    return { start: { actor: Worker, args: [env.inbox.pid, name] }, ...(restart === undefined ? {} : { restart }) };
  }

  /** Starts a Worker under `sup` and waits until it runs. */
  async function startWorker(sup: Pid, name: string, restart?: RestartType): Promise<Pid> {
    const pid = await ask<Pid>(sup, DynamicSupervisorRequests.start(workerSpec(name, restart)));
    await expectMessage(env.inbox, has({ tag: 'worker-up', name, pid }));
    return pid;
  }

  /** The exit reason of `sup` as its Starter saw it. */
  async function supervisorExit(starter: Pid, sup: Pid): Promise<ExitReason> {
    const got = await expectMessage<{ message: { reason: ExitReason } }>(
      env.inbox,
      (m) => has({ tag: 'starter-got', starter })(m) && has({ type: 'EXIT', from: sup })((m as { message: unknown }).message),
    );
    return got.message.reason;
  }

  /**
   * Watches a fixture process for its exit reason. In threaded mode the
   * monitor travels to the process's thread: the ping that follows it on
   * the same route comes back once it is in place.
   */
  async function watch(pid: Pid): Promise<{ exited: Promise<ExitReason> }> {
    const exited = env.node.awaitExit(pid);
    env.node.send(pid, { ping: env.inbox.pid });
    await expectMessage(env.inbox, has({ tag: 'pong', pid }));
    return { exited };
  }

  /**
   * Asks `count` until no child is left (the supervisor handles an exit asynchronously): each ask a
   * round trip to the supervisor, no sleeps; a supervisor that kept its child fails on the test's timeout.
   */
  async function noChildrenLeft(sup: Pid): Promise<void> {
    while ((await count(sup)).active > 0);
  }

  const which = (sup: Pid): Promise<DynamicChildInfo[]> => ask(sup, DynamicSupervisorRequests.which());
  const count = (sup: Pid): Promise<ChildCounts> => ask(sup, DynamicSupervisorRequests.count());

  it('starts with no children and starts them on demand; which and count list them', async () => {
    const { sup } = await startPool();
    expect(await count(sup)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    const a = await startWorker(sup, 'a');
    const b = await startWorker(sup, 'b', 'temporary');
    const nested = await ask<Pid>(sup, DynamicSupervisorRequests.start({ start: { actor: Pool, args: [{}] } }));
    expect(await which(sup)).toEqual([
      { pid: a, type: 'worker', restart: 'permanent' },
      { pid: b, type: 'worker', restart: 'temporary' },
      { pid: nested, type: 'supervisor', restart: 'permanent' },
    ]);
    expect(await count(sup)).toEqual({ specs: 3, active: 3, supervisors: 1, workers: 2 });
  });

  it("a child whose init says 'ignore' is not kept, and the start answers undefined", async () => {
    const { sup } = await startPool();
    expect(await ask(sup, DynamicSupervisorRequests.start({ start: { actor: Ignorer, args: [] } }))).toBeUndefined();
    expect(await count(sup)).toMatchObject({ active: 0 });
  });

  it('refuses to start a child beyond maxChildren with MaxChildrenError, and starts one again once there is room', async () => {
    const { sup } = await startPool({ maxChildren: 2 });
    const a = await startWorker(sup, 'a');
    await startWorker(sup, 'b');
    const refused = await ask(sup, DynamicSupervisorRequests.start(workerSpec('c'))).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MaxChildrenError);
    expect(refused).toBeInstanceOf(SupervisorError);
    expect((refused as MaxChildrenError).maxChildren).toBe(2);
    expect(await count(sup)).toMatchObject({ active: 2 });
    const { exited } = await watch(a);
    await ask(sup, DynamicSupervisorRequests.terminate(a));
    expect(await exited).toBe('shutdown');
    await startWorker(sup, 'c');
    expect(await count(sup)).toMatchObject({ active: 2 });
  });

  it('the API works from inside a process: start, maxChildren refusal, which, count, terminate', async () => {
    const { sup } = await startPool({ maxChildren: 2 });
    env.node.spawn(Client, env.inbox.pid, sup);
    const r = await expectMessage<Record<string, unknown>>(env.inbox, has({ tag: 'client' }));
    expect(r.refused).toEqual({ name: 'MaxChildrenError', maxChildrenError: true, supervisorError: true, maxChildren: 2 });
    expect(r.which).toEqual([
      { pid: r.a, type: 'worker', restart: 'transient' },
      { pid: r.b, type: 'worker', restart: 'transient' },
    ]);
    expect(r.count).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    expect(r.d).toEqual(expect.any(Number));
    expect(r.notChild).toMatchObject({ supervisorError: true });
    expect(r.after).toMatchObject({ active: 2 });
    expect(await env.node.processInfo(r.a as Pid)).toBeUndefined();
  });

  it('terminating a pid that is not its child fails with SupervisorError', async () => {
    const { sup } = await startPool();
    const stranger = await startWorker(sup, 'x');
    await ask(sup, DynamicSupervisorRequests.terminate(stranger));
    await expect(ask(sup, DynamicSupervisorRequests.terminate(stranger))).rejects.toBeInstanceOf(SupervisorError);
  });

  describe('restart types', () => {
    const cases: readonly { restart: RestartType; how: string; command: WorkerCommand; restarted: boolean }[] = [
      { restart: 'permanent', how: 'normally', command: 'return', restarted: true },
      { restart: 'permanent', how: 'by crashing', command: 'crash', restarted: true },
      { restart: 'transient', how: 'normally', command: 'return', restarted: false },
      { restart: 'transient', how: "with 'shutdown'", command: { exit: 'shutdown' }, restarted: false },
      { restart: 'transient', how: 'by crashing', command: 'crash', restarted: true },
      { restart: 'temporary', how: 'normally', command: 'return', restarted: false },
      { restart: 'temporary', how: 'by crashing', command: 'crash', restarted: false },
    ];

    it.each(cases)('a $restart child that ends $how is restarted: $restarted', async ({ restart, command, restarted }) => {
      const { sup } = await startPool();
      const pid = await startWorker(sup, 'w', restart);
      const exited = env.node.awaitExit(pid);
      env.node.send(pid, command);
      await exited;
      if (restarted) {
        const up = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'worker-up', name: 'w' }));
        expect(up.pid).not.toBe(pid);
        expect(await which(sup)).toEqual([{ pid: up.pid, type: 'worker', restart }]);
      } else {
        await noChildrenLeft(sup);
        expect(await env.inbox.receive(has({ tag: 'worker-up', name: 'w' }), 50)).toBe(TIMEOUT);
      }
    });
  });

  it(`more than \`intensity\` restarts within \`period\`: the supervisor stops its children and exits 'shutdown'`, async () => {
    // A period no loaded machine can outlast between the crashes: the outcome depends on the count only.
    const { starter, sup } = await startPool({ intensity: DEFAULT_DYNAMIC_INTENSITY, period: 600_000 });
    const bystander = await startWorker(sup, 'bystander', 'temporary');
    const bystanderExit = (await watch(bystander)).exited;
    let pid = await startWorker(sup, 'crasher');
    for (let i = 0; i < DEFAULT_DYNAMIC_INTENSITY; i++) {
      env.node.send(pid, 'crash');
      pid = (await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'worker-up', name: 'crasher' }))).pid;
    }
    env.node.send(pid, 'crash');
    expect(await supervisorExit(starter, sup)).toBe('shutdown');
    expect(await bystanderExit).toBe('shutdown');
    expect(await env.inbox.receive(has({ tag: 'worker-up', name: 'crasher' }), 0)).toBe(TIMEOUT);
  });

  describe('a restart whose start fails', () => {
    /** Answers the next init question of Flaky with `answer`; returns the asking pid. */
    async function answerInit(answer: 'ok' | 'fail'): Promise<Pid> {
      const { pid } = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'init?' }));
      env.node.send(pid, answer);
      return pid;
    }

    async function startFlaky(sup: Pid): Promise<Pid> {
      const started = ask<Pid>(sup, DynamicSupervisorRequests.start({ start: { actor: Flaky, args: [env.inbox.pid] } }));
      await answerInit('ok');
      return started;
    }

    it('is tried again, and the child comes back', async () => {
      const { sup } = await startPool();
      const first = await startFlaky(sup);
      env.node.send(first, 'crash');
      await answerInit('fail');
      await answerInit('fail');
      const back = await answerInit('ok');
      expect(await which(sup)).toEqual([{ pid: back, type: 'worker', restart: 'permanent' }]);
    });

    it(`every try counts towards the intensity: after ${DEFAULT_DYNAMIC_INTENSITY} failed tries the supervisor exits 'shutdown'`, async () => {
      const { starter, sup } = await startPool();
      const first = await startFlaky(sup);
      env.node.send(first, 'crash');
      for (let i = 0; i < DEFAULT_DYNAMIC_INTENSITY; i++) await answerInit('fail');
      expect(await supervisorExit(starter, sup)).toBe('shutdown');
      expect(await env.inbox.receive(has({ tag: 'init?' }), 0)).toBe(TIMEOUT);
    });
  });

  it('shutdown signals every child before waiting for any: 200 children that each stop only when told', async () => {
    const n = 200;
    const { starter, sup } = await startPool();
    env.node.spawn(Filler, env.inbox.pid, sup, n, true);
    const { pids } = await expectMessage<{ pids: Pid[] }>(env.inbox, has({ tag: 'filled' }));
    for (let i = 0; i < n; i++) await expectMessage(env.inbox, has({ tag: 'ready' }));
    const exits = Promise.all((await Promise.all(pids.map(watch))).map((w) => w.exited));

    env.node.send(starter, { cmd: 'exit', reason: 'shutdown' });
    // Every child hears of the shutdown while none has finished: a supervisor that waited for each
    // child before signalling the next would leave this loop waiting until the test's timeout.
    for (let i = 0; i < n; i++) await expectMessage(env.inbox, has({ tag: 'got-shutdown' }));
    for (const pid of pids) env.node.send(pid, 'finish');
    for (let i = 0; i < n; i++) await expectMessage(env.inbox, has({ tag: 'finished' }));
    expect(await supervisorExit(starter, sup)).toBe('shutdown');
    expect(new Set(await exits)).toEqual(new Set(['shutdown']));
  });

  it('a child that ignores the shutdown is killed once its shutdown time is up, on terminate and on supervisor shutdown', async () => {
    const { starter, sup } = await startPool();
    const stubbornSpec = { start: { actor: Stubborn, args: [env.inbox.pid] }, shutdown: 100 };
    const first = await ask<Pid>(sup, DynamicSupervisorRequests.start(stubbornSpec));
    await expectMessage(env.inbox, has({ tag: 'stubborn-ready', pid: first }));
    const firstExit = (await watch(first)).exited;
    await ask(sup, DynamicSupervisorRequests.terminate(first));
    expect(await firstExit).toBe('killed');

    const second = await ask<Pid>(sup, DynamicSupervisorRequests.start(stubbornSpec));
    await expectMessage(env.inbox, has({ tag: 'stubborn-ready', pid: second }));
    const polite = await ask<Pid>(sup, DynamicSupervisorRequests.start({ start: { actor: Lingerer, args: [env.inbox.pid, 0, false] } }));
    await expectMessage(env.inbox, has({ tag: 'ready', i: 0 }));
    const exits = Promise.all([(await watch(second)).exited, (await watch(polite)).exited]);
    env.node.send(starter, { cmd: 'exit', reason: 'shutdown' });
    expect(await supervisorExit(starter, sup)).toBe('shutdown');
    expect(await exits).toEqual(['killed', 'shutdown']);
  });

  it("a 'brutal_kill' child is killed at once", async () => {
    const { sup } = await startPool();
    const pid = await ask<Pid>(sup, DynamicSupervisorRequests.start({ start: { actor: Stubborn, args: [env.inbox.pid] }, shutdown: 'brutal_kill' }));
    await expectMessage(env.inbox, has({ tag: 'stubborn-ready', pid }));
    const { exited } = await watch(pid);
    await ask(sup, DynamicSupervisorRequests.terminate(pid));
    expect(await exited).toBe('killed');
  });

  it('bad flags make the start fail', async () => {
    const starter = env.node.spawn(Starter, env.inbox.pid, wire(Pool), [{ maxChildren: -1 }]);
    const r = await expectMessage<StarterReport>(env.inbox, has({ tag: 'start-failed', starter }));
    expect(r).toMatchObject({ startError: true, reason: { error: { name: 'SupervisorError' } } });
  });
});
