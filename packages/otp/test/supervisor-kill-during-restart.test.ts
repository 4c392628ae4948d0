/**
 * Adversarial supervisor scenarios: the supervisor killed or shut down
 * while it is busy restarting, starting or stopping a child; children that
 * crash while a request is in progress; messages to children that are gone.
 * On an in-thread Scheduler and on a Strand runtime with two worker threads.
 *
 * The race windows are made inside the actors (an init or a terminate that
 * sleeps), and the test acts once the child reported it is in the window.
 * If a window closed early on a slow machine the scenario degrades to a
 * plainer one with the same expected end, so no assertion depends on timing.
 */
import { type Pid } from '@strand/core';
import { CallError, SupervisorRequests, callFrom, unwrap } from '@strand/otp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODES, type Node, castFrom, expectMessage, has } from './behaviour-modes.js';
import { type ChildEvent, Sender, TestSup, specOf, worker } from './fixtures/sup-children.js';
import { Starter, type StarterReport, wire } from './fixtures/starter.js';
import { SupWorld, allGone, pidsOf } from './sup-harness.js';

type StartEvent = Extract<ChildEvent, { tag: 'start' }>;


/**
 * A child still in its start when its supervisor is killed: the Recorder's
 * monitor on it comes from the Recorder's thread, the kill through the link
 * from the supervisor's, unordered; if the kill wins, the monitor sees
 * `noproc` for a child that was, in fact, killed.
 */
function endedBy(reason: unknown): unknown {
  return reason === 'noproc' ? 'killed' : reason;
}

describe.each(MODES)('Supervisor under fire ($name)', (mode) => {
  let node: Node;
  let w: SupWorld;
  let r: Pid;

  beforeEach(async () => {
    node = await mode.start();
    w = new SupWorld(node);
    r = w.recorder;
  });

  afterEach(async () => {
    await node.stop();
  });

  describe.each([{ trap: false }, { trap: true }])('children trapping exits: $trap', ({ trap }) => {
    it('the supervisor is killed while it restarts a slow-starting child: every child ends', async () => {
      const { sup: s, starter } = await w.start({ intensity: 5, period: 60_000 }, [
        worker(r, 'a', { trap }),
        worker(r, 'b', { trap, initSleep: 50, initSleepFrom: 1 }),
        worker(r, 'c', { trap }),
      ]);
      await w.trace(3);
      const before = pidsOf(await w.children(s));
      const exits = [before.a!, before.c!].map((p) => w.exitOf(p));
      const supExit = node.awaitExit(s);

      node.exit(before.b!, 'kill');
      const b1 = (await w.event()) as StartEvent;
      expect(b1).toMatchObject({ tag: 'start', id: 'b', n: 1, parent: s });
      const b1Exit = w.exitOf(b1.pid);
      // b#1's init sleeps: the supervisor is waiting in its start.
      node.exit(s, 'kill');

      expect(await supExit).toBe('killed');
      expect((await Promise.all([...exits, b1Exit])).map(endedBy)).toEqual(['killed', 'killed', 'killed']);
      expect(await allGone(node, [before.a!, before.b!, before.c!, b1.pid, s])).toBe(true);
      expect(await w.exitSeenByStarter(starter, s)).toBe('killed');
      if (trap) {
        // Trapping servers see their parent's end and run terminate.
        expect((await w.trace(3)).sort()).toEqual(['stopping a#0 "killed"', 'stopping b#1 "killed"', 'stopping c#0 "killed"']);
      }
      await w.expectNoMoreEvents();
    });

    it('the supervisor is killed during its own init, while a slow child starts: the start fails, every child ends', async () => {
      const starter = node.spawn(Starter, w.inbox.pid, wire(TestSup), [
        {},
        [worker(r, 'a', { trap }), worker(r, 'b', { trap, initSleep: 50 }), worker(r, 'c', { trap })],
      ]);
      const a = (await w.event()) as StartEvent;
      const b = (await w.event()) as StartEvent;
      expect([a.id, b.id]).toEqual(['a', 'b']);
      const s = b.parent!;
      expect(a.parent).toBe(s);
      const exits = [a.pid, b.pid].map((p) => w.exitOf(p));
      node.exit(s, 'kill');

      const result = await expectMessage<StarterReport>(w.inbox, (m) => has({ tag: 'started', starter })(m) || has({ tag: 'start-failed', starter })(m));
      expect(result).toEqual({ tag: 'start-failed', starter, startError: true, reason: 'killed' });
      expect((await Promise.all(exits)).map(endedBy)).toEqual(['killed', 'killed']);
      expect(await allGone(node, [a.pid, b.pid, s])).toBe(true);
      if (trap) expect((await w.trace(2)).sort()).toEqual(['stopping a#0 "killed"', 'stopping b#0 "killed"']);
      // c was never started.
      await w.expectNoMoreEvents();
    });
  });

  it("the parent shuts the supervisor down while it restarts a slow child: the restart completes, then all stop in reverse order", async () => {
    const { sup: s, starter } = await w.start({ intensity: 5, period: 60_000 }, [
      worker(r, 'a', { trap: true }),
      worker(r, 'b', { trap: true, initSleep: 50, initSleepFrom: 1 }),
      worker(r, 'c', { trap: true }),
    ]);
    await w.trace(3);
    const before = pidsOf(await w.children(s));
    node.exit(before.b!, 'kill');
    expect(await w.trace(1)).toEqual(['start b#1']);
    w.shutdownVia(starter);
    expect(await w.trace(3)).toEqual(['stopping c#0', 'stopping b#1', 'stopping a#0']);
    expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
    await w.expectNoMoreEvents();
  });

  it('the supervisor is killed while it stops its children one by one: every child still ends', async () => {
    const { sup: s, starter } = await w.start({}, [
      worker(r, 'a', { trap: true }),
      worker(r, 'b', { trap: true, terminateSleep: 50 }),
      worker(r, 'c', { trap: true }),
    ]);
    await w.trace(3);
    const kids = pidsOf(await w.children(s));
    const exits = ['a', 'b', 'c'].map((id) => w.exitOf(kids[id]!));
    w.shutdownVia(starter);
    expect(await w.trace(2)).toEqual(['stopping c#0', 'stopping b#0']);
    // b's terminate sleeps: the supervisor waits for it.
    node.exit(s, 'kill');
    const [a, b, c] = await Promise.all(exits);
    // a was still linked: it sees its parent killed. b and c had been told 'shutdown' already.
    expect(a).toBe('killed');
    expect(b).toBe('shutdown');
    expect(c).toBe('shutdown');
    expect(await w.trace(1)).toEqual(['stopping a#0 "killed"']);
    expect(await allGone(node, [...Object.values(kids)] as Pid[])).toBe(true);
  });

  it('a child that crashes while terminateChild of another is in progress is restarted once that request is done', async () => {
    const { sup: s } = await w.start({ intensity: 5, period: 60_000 }, [
      worker(r, 'a', { trap: true, terminateSleep: 50 }),
      worker(r, 'b'),
    ]);
    await w.trace(2);
    const before = pidsOf(await w.children(s));
    const aExit = w.exitOf(before.a!);
    const terminating = callFrom(node, s, SupervisorRequests.terminate('a'), Infinity);
    expect(await w.trace(1)).toEqual(['stopping a#0']);
    // a's terminate sleeps: the supervisor is inside terminateChild.
    node.exit(before.b!, 'kill');
    expect(unwrap(await terminating)).toBeUndefined();
    expect(await aExit).toBe('shutdown');
    expect(await w.trace(1)).toEqual(['start b#1']);
    const after = pidsOf(await w.children(s));
    expect(after.a).toBeUndefined();
    expect(after.b).toBeDefined();
    expect(after.b).not.toBe(before.b);
    await w.expectNoMoreEvents();
  });

  it('terminateChild of a child whose restart failed and waits to be tried again: it stays terminated (OTP)', async () => {
    const { sup: s } = await w.start({ intensity: 10, period: 60_000 }, [
      worker(r, 'a', { failInitAt: [1], initSleep: 50, initSleepFrom: 1 }),
      worker(r, 'b'),
    ]);
    await w.trace(2);
    node.exit(pidsOf(await w.children(s)).a!, 'kill');
    expect(await w.trace(1)).toEqual(['start a#1']);
    // a#1's init sleeps, then fails: the supervisor will try again through its mailbox, after this request.
    expect(unwrap(await callFrom(node, s, SupervisorRequests.terminate('a'), Infinity))).toBeUndefined();
    const kids = await w.children(s);
    expect(kids.a, 'a child terminated on request must not be restarted by a pending retry').toMatchObject({ pid: undefined });
    expect(await w.count(s)).toEqual({ specs: 2, active: 1, supervisors: 0, workers: 2 });
  });

  it('the child being terminated is killed by someone else meanwhile: terminateChild still succeeds, no restart', async () => {
    const { sup: s } = await w.start({ intensity: 5, period: 60_000 }, [worker(r, 'a', { trap: true, terminateSleep: 50 }), worker(r, 'b')]);
    await w.trace(2);
    const before = pidsOf(await w.children(s));
    const aExit = w.exitOf(before.a!);
    const terminating = callFrom(node, s, SupervisorRequests.terminate('a'), Infinity);
    expect(await w.trace(1)).toEqual(['stopping a#0']);
    node.exit(before.a!, 'kill');
    expect(unwrap(await terminating)).toBeUndefined();
    expect(await aExit).toBe('killed');
    const after = pidsOf(await w.children(s));
    expect(after.a).toBeUndefined();
    expect(after.b).toBe(before.b);
    await w.expectNoMoreEvents();
  });

  it('one_for_all: a restarted child that crashes while its siblings are still restarting makes a second full restart', async () => {
    const { sup: s } = await w.start({ strategy: 'one_for_all', intensity: 10, period: 60_000 }, [
      worker(r, 'a'),
      worker(r, 'b', { initSleep: 50, initSleepFrom: 1 }),
      worker(r, 'c'),
    ]);
    await w.trace(3);
    const before = pidsOf(await w.children(s));
    node.exit(before.a!, 'kill');
    const a1 = (await w.event()) as StartEvent;
    expect(a1).toMatchObject({ tag: 'start', id: 'a', n: 1 });
    expect(await w.trace(1)).toEqual(['start b#1']);
    // b#1's init sleeps; a#1 dies meanwhile.
    node.exit(a1.pid, 'kill');
    expect(await w.trace(4)).toEqual(['start c#1', 'start a#2', 'start b#2', 'start c#2']);
    const after = pidsOf(await w.children(s));
    for (const id of ['a', 'b', 'c']) {
      expect(await callFrom(node, after[id]!, 'whoami'), id).toMatchObject({ id, n: 2 });
    }
    await w.expectNoMoreEvents();
  });

  it('the supervisor is killed while startChild waits for a slow child: the call fails with killed, the child ends', async () => {
    const { sup: s } = await w.start({}, [worker(r, 'a')]);
    await w.trace(1);
    const starting = callFrom(node, s, SupervisorRequests.start(specOf(worker(r, 'slow', { initSleep: 50 }))), Infinity);
    const slow = (await w.event()) as StartEvent;
    expect(slow).toMatchObject({ tag: 'start', id: 'slow', parent: s });
    const slowExit = w.exitOf(slow.pid);
    node.exit(s, 'kill');
    const failed = await starting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(CallError);
    expect((failed as CallError).reason).toBe('killed');
    expect(endedBy(await slowExit)).toBe('killed');
  });

  it('a supervisor ignores stray messages and exit signals from processes that are neither its parent nor its children', async () => {
    const { sup: s } = await w.start({}, [worker(r, 'a'), worker(r, 'b')]);
    await w.trace(2);
    const before = pidsOf(await w.children(s));
    node.send(s, 'garbage');
    node.exit(s, 'shutdown');
    node.exit(s, { shutdown: 'stranger' });
    expect(pidsOf(await w.children(s))).toEqual(before);
    expect(await w.count(s)).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    expect(await callFrom(node, before.a!, 'ping')).toBe('pong');
    await w.expectNoMoreEvents();
  });

  it('messages to dead children are dropped without errors, from plain code and from a process', async () => {
    const { sup: s } = await w.start({ intensity: 5, period: 60_000 }, [worker(r, 'a'), worker(r, 'b')]);
    await w.trace(2);
    const before = pidsOf(await w.children(s));
    const old = before.a!;
    const oldExit = w.exitOf(old);
    node.exit(old, 'kill');
    expect(await oldExit).toBe('killed');
    expect(await w.trace(1)).toEqual(['start a#1']);

    expect(() => node.send(old, 'hello')).not.toThrow();
    expect(() => castFrom(node, old, { op: 'exit', reason: 'normal' })).not.toThrow();
    const sender = node.spawn(Sender, w.inbox.pid, [old, old]);
    const senderExit = node.awaitExit(sender);
    expect(await expectMessage(w.inbox, (m) => has({ tag: 'sent' })(m) || has({ tag: 'send-failed' })(m))).toEqual({ tag: 'sent' });
    expect(await senderExit).toBe('normal');
    const failed = await callFrom(node, old, 'ping', Infinity).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(CallError);
    expect((failed as CallError).reason).toBe('noproc');

    // Nothing else noticed.
    const after = pidsOf(await w.children(s));
    expect(after.b).toBe(before.b);
    expect(await callFrom(node, after.a!, 'ping')).toBe('pong');
    await w.expectNoMoreEvents();
  });
});
