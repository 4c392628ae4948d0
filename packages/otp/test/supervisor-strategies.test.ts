/**
 * Supervisor, after OTP's supervisor_SUITE: start and stop order,
 * strategies, restart intensity, restart types, shutdown, nesting, children
 * that die at start, and the child API, on an in-thread Scheduler and on a
 * Strand runtime with two worker threads.
 *
 * Children report `start` / `stopping` through a Recorder (sup-harness.ts),
 * so `w.trace(n)` is the causal order of what happened to them.
 */
import { type Pid } from '@strand/core';
import { callFrom, SupervisorError, SupervisorRequests, unwrap } from '@strand/otp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODES, type Node, expectMessage, has } from './behaviour-modes.js';
import { type ApiOp, type ApiResult, ApiClient, plain, requestOf, specOf, stubborn, sup, worker } from './fixtures/sup-children.js';
import { SupWorld, allGone, pidsOf } from './sup-harness.js';

describe.each(MODES)('Supervisor ($name)', (mode) => {
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

  describe('start and stop order', () => {
    it('starts children in order, one after another, and stops them in reverse order', async () => {
      const { sup: s, starter } = await w.start({ strategy: 'one_for_one' }, [
        worker(r, 'a', { trap: true }),
        worker(r, 'b', { trap: true }),
        worker(r, 'c', { trap: true }),
      ]);
      expect(await w.trace(3)).toEqual(['start a#0', 'start b#0', 'start c#0']);
      const kids = pidsOf(await w.children(s));
      expect(Object.keys(kids).sort()).toEqual(['a', 'b', 'c']);
      expect(await w.count(s)).toEqual({ specs: 3, active: 3, supervisors: 0, workers: 3 });
      const exits = ['a', 'b', 'c'].map((id) => w.exitOf(kids[id]!));
      w.shutdownVia(starter);
      expect(await w.trace(3)).toEqual(['stopping c#0', 'stopping b#0', 'stopping a#0']);
      expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown', 'shutdown']);
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
    });
  });

  it('a child added with startChild starts after the others and stops before them', async () => {
    const { sup: s, starter } = await w.start({}, [worker(r, 'a', { trap: true }), worker(r, 'b', { trap: true })]);
    await w.trace(2);
    unwrap(await callFrom(node, s, SupervisorRequests.start(specOf(worker(r, 'late', { trap: true }))), Infinity));
    expect(await w.trace(1)).toEqual(['start late#0']);
    w.shutdownVia(starter);
    expect(await w.trace(3)).toEqual(['stopping late#0', 'stopping b#0', 'stopping a#0']);
  });

  describe('strategies', () => {
    it('one_for_one restarts only the child that ended; the others keep their pids', async () => {
      const { sup: s } = await w.start({ strategy: 'one_for_one', intensity: 5, period: 60_000 }, [
        worker(r, 'a', { trap: true }),
        worker(r, 'b', { trap: true }),
        worker(r, 'c', { trap: true }),
      ]);
      await w.trace(3);
      const before = pidsOf(await w.children(s));
      const bExit = w.exitOf(before.b!);
      node.exit(before.b!, 'kill');
      expect(await bExit).toBe('killed');
      const restarted = await w.event();
      expect(restarted).toMatchObject({ tag: 'start', id: 'b', n: 1 });
      const after = pidsOf(await w.children(s));
      expect(after.a).toBe(before.a);
      expect(after.c).toBe(before.c);
      expect(after.b).toBe((restarted as { pid: Pid }).pid);
      expect(after.b).not.toBe(before.b);
      await w.expectNoMoreEvents();
      expect(await callFrom(node, after.a!, 'ping')).toBe('pong');
      expect(await callFrom(node, after.c!, 'ping')).toBe('pong');
    });

    it('one_for_all stops the others (in reverse order) and restarts all of them in start order', async () => {
      const { sup: s } = await w.start({ strategy: 'one_for_all', intensity: 5, period: 60_000 }, [
        worker(r, 'a', { trap: true }),
        worker(r, 'b', { trap: true }),
        worker(r, 'c', { trap: true }),
      ]);
      await w.trace(3);
      const before = pidsOf(await w.children(s));
      const exits = ['a', 'c'].map((id) => w.exitOf(before[id]!));
      node.exit(before.b!, 'kill');
      expect(await w.trace(5)).toEqual(['stopping c#0', 'stopping a#0', 'start a#1', 'start b#1', 'start c#1']);
      expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown']);
      const after = pidsOf(await w.children(s));
      for (const id of ['a', 'b', 'c']) {
        expect(after[id], id).toBeDefined();
        expect(after[id], id).not.toBe(before[id]);
      }
      await w.expectNoMoreEvents();
    });

    it('rest_for_one restarts the child that ended and those started after it', async () => {
      const { sup: s } = await w.start({ strategy: 'rest_for_one', intensity: 5, period: 60_000 }, [
        worker(r, 'a', { trap: true }),
        worker(r, 'b', { trap: true }),
        worker(r, 'c', { trap: true }),
        worker(r, 'd', { trap: true }),
      ]);
      await w.trace(4);
      const before = pidsOf(await w.children(s));
      node.exit(before.b!, 'kill');
      expect(await w.trace(5)).toEqual(['stopping d#0', 'stopping c#0', 'start b#1', 'start c#1', 'start d#1']);
      const after = pidsOf(await w.children(s));
      expect(after.a).toBe(before.a);
      for (const id of ['b', 'c', 'd']) expect(after[id], id).not.toBe(before[id]);
      await w.expectNoMoreEvents();

      // The last child: only itself.
      node.exit(after.d!, 'kill');
      expect(await w.trace(1)).toEqual(['start d#2']);
      const last = pidsOf(await w.children(s));
      expect([last.a, last.b, last.c]).toEqual([after.a, after.b, after.c]);
      await w.expectNoMoreEvents();
    });

    it('one_for_all does not restart a temporary sibling it stopped: it is forgotten', async () => {
      const { sup: s } = await w.start({ strategy: 'one_for_all', intensity: 5, period: 60_000 }, [
        worker(r, 'a', { trap: true }),
        worker(r, 't', { trap: true }, { restart: 'temporary' }),
        worker(r, 'b', { trap: true }),
      ]);
      await w.trace(3);
      const before = pidsOf(await w.children(s));
      node.exit(before.b!, 'kill');
      expect(await w.trace(4)).toEqual(['stopping t#0', 'stopping a#0', 'start a#1', 'start b#1']);
      expect(Object.keys(await w.children(s)).sort()).toEqual(['a', 'b']);
      await w.expectNoMoreEvents();
    });
  });

  describe('restart intensity', () => {
    it('more than `intensity` restarts within `period`: the supervisor stops every child and exits shutdown', async () => {
      const { sup: s, starter } = await w.start({ strategy: 'one_for_one', intensity: 2, period: 60_000 }, [
        worker(r, 'a'),
        worker(r, 'b', { trap: true }),
      ]);
      await w.trace(2);
      const seen: Pid[] = Object.values(pidsOf(await w.children(s))) as Pid[];
      // Two restarts are allowed…
      for (const n of [1, 2]) {
        const kids = pidsOf(await w.children(s));
        node.exit(kids.a!, 'kill');
        const e = await w.event();
        expect(e).toMatchObject({ tag: 'start', id: 'a', n });
        seen.push((e as { pid: Pid }).pid);
      }
      // …a third is one too many.
      const kids = pidsOf(await w.children(s));
      node.exit(kids.a!, 'kill');
      expect(await w.trace(1)).toEqual(['stopping b#0']);
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
      expect(await allGone(node, seen)).toBe(true);
      await w.expectNoMoreEvents();
    });

    it('restarts of different children count together', async () => {
      const { sup: s, starter } = await w.start({ intensity: 2, period: 60_000 }, [worker(r, 'a'), worker(r, 'b', { trap: true })]);
      await w.trace(2);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.trace(1)).toEqual(['start a#1']);
      node.exit(pidsOf(await w.children(s)).b!, 'kill');
      expect(await w.trace(1)).toEqual(['start b#1']);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.trace(1)).toEqual(['stopping b#1']);
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
    });

    it('the default intensity is OTP’s: 1 restart in 5 s', async () => {
      const { sup: s } = await w.start({}, [worker(r, 'a')]);
      expect(unwrap(await callFrom(node, s, SupervisorRequests.flags(), Infinity))).toMatchObject({ intensity: 1, period: 5000 });
    });

    it('intensity 1: the second restart within the period stops the supervisor', async () => {
      // A period no loaded machine can outlast between two kills: the outcome depends on the count only.
      const { sup: s, starter } = await w.start({ intensity: 1, period: 600_000 }, [worker(r, 'a')]);
      expect(await w.trace(1)).toEqual(['start a#0']);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.trace(1)).toEqual(['start a#1']);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
      await w.expectNoMoreEvents();
    });

    it('restarts older than `period` no longer count', async () => {
      // a#1 and a#2 each crash 60 ms after starting: never two restarts within 30 ms.
      const { sup: s } = await w.start({ intensity: 1, period: 30 }, [
        worker(r, 'a', { crashAfter: { ms: 60, from: 1, below: 3 } }),
      ]);
      await w.trace(1);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.trace(3)).toEqual(['start a#1', 'start a#2', 'start a#3']);
      expect(await callFrom(node, pidsOf(await w.children(s)).a!, 'whoami')).toMatchObject({ n: 3 });
    });

    it('intensity 0: no restart at all', async () => {
      const { sup: s, starter } = await w.start({ intensity: 0 }, [worker(r, 'a')]);
      await w.trace(1);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
      await w.expectNoMoreEvents();
    });
  });

  describe('restart types', () => {
    it('permanent: restarted after any exit, normal or not', async () => {
      const { sup: s } = await w.start({ intensity: 10, period: 60_000 }, [worker(r, 'p')]);
      await w.trace(1);
      const reasons = ['normal', 'shutdown', { shutdown: 'x' }] as const;
      for (const [i, reason] of reasons.entries()) {
        w.stopWorker(pidsOf(await w.children(s)).p!, reason);
        expect(await w.trace(1), JSON.stringify(reason)).toEqual([`start p#${i + 1}`]);
      }
      w.crashWorker(pidsOf(await w.children(s)).p!);
      expect(await w.trace(1)).toEqual(['start p#4']);
    });

    it("transient: not restarted after 'normal', 'shutdown' or { shutdown }; restarted after a crash or a kill", async () => {
      const { sup: s } = await w.start({ intensity: 10, period: 60_000 }, [worker(r, 't', {}, { restart: 'transient' })]);
      await w.trace(1);
      let n = 0;
      for (const reason of ['normal', 'shutdown', { shutdown: 'x' }] as const) {
        const pid = pidsOf(await w.children(s)).t!;
        w.stopWorker(pid, reason);
        const after = await w.afterExitHandled(s, 't', pid);
        expect(after, JSON.stringify(reason)).toMatchObject({ id: 't', pid: undefined, restart: 'transient' });
        expect(await w.count(s)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
        await w.expectNoMoreEvents();
        // Its spec stays: it can be restarted by hand.
        const again = unwrap<Pid>(await callFrom(node, s, SupervisorRequests.restart('t'), Infinity));
        n += 1;
        expect(await w.event()).toMatchObject({ tag: 'start', id: 't', n, pid: again });
      }
      w.crashWorker(pidsOf(await w.children(s)).t!);
      n += 1;
      expect(await w.event()).toMatchObject({ tag: 'start', id: 't', n });
      node.exit(pidsOf(await w.children(s)).t!, 'kill');
      n += 1;
      expect(await w.event()).toMatchObject({ tag: 'start', id: 't', n });
    });

    it('temporary: never restarted, and forgotten once it ends, normally or not', async () => {
      const { sup: s } = await w.start({ intensity: 10, period: 60_000 }, [
        worker(r, 'x', {}, { restart: 'temporary' }),
        worker(r, 'y', {}, { restart: 'temporary' }),
      ]);
      await w.trace(2);
      const kids = pidsOf(await w.children(s));
      w.stopWorker(kids.x!, 'normal');
      expect(await w.afterExitHandled(s, 'x', kids.x!)).toBeUndefined();
      w.crashWorker(kids.y!);
      expect(await w.afterExitHandled(s, 'y', kids.y!)).toBeUndefined();
      expect(await w.count(s)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
      await w.expectNoMoreEvents();
    });
  });

  describe('shutdown', () => {
    it("a trapping child that ignores 'shutdown' is killed once its shutdown time is up", async () => {
      const { sup: s } = await w.start({}, [stubborn(r, 's', { shutdown: 100 })]);
      await w.trace(1);
      const pid = pidsOf(await w.children(s)).s!;
      const exited = w.exitOf(pid);
      expect(unwrap(await callFrom(node, s, SupervisorRequests.terminate('s'), Infinity))).toBeUndefined();
      expect(await exited).toBe('killed');
      expect(await w.event()).toMatchObject({ tag: 'ignored', id: 's', message: { type: 'EXIT', from: s, reason: 'shutdown' } });
      expect(await w.children(s)).toMatchObject({ s: { pid: undefined } });
    });

    it('the same when the whole supervisor shuts down: the stubborn child is killed, the others stop in reverse order', async () => {
      const { sup: s, starter } = await w.start({}, [worker(r, 'a', { trap: true }), stubborn(r, 's', { shutdown: 100 }), worker(r, 'c', { trap: true })]);
      await w.trace(3);
      const pid = pidsOf(await w.children(s)).s!;
      const exited = w.exitOf(pid);
      w.shutdownVia(starter);
      expect(await w.trace(3)).toEqual(['stopping c#0', 'ignored s', 'stopping a#0']);
      expect(await exited).toBe('killed');
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
    });

    it("brutal_kill: the child is killed at once, its terminate never runs", async () => {
      const { sup: s } = await w.start({}, [worker(r, 'k', { trap: true }, { shutdown: 'brutal_kill' })]);
      await w.trace(1);
      const pid = pidsOf(await w.children(s)).k!;
      const exited = w.exitOf(pid);
      expect(unwrap(await callFrom(node, s, SupervisorRequests.terminate('k'), Infinity))).toBeUndefined();
      expect(await exited).toBe('killed');
      await w.expectNoMoreEvents();
    });

    it("shutdown 'infinity': the supervisor waits for a slow child to stop by itself", async () => {
      const { sup: s } = await w.start({}, [worker(r, 'slow', { trap: true, terminateSleep: 50 }, { shutdown: 'infinity' })]);
      await w.trace(1);
      const pid = pidsOf(await w.children(s)).slow!;
      const exited = w.exitOf(pid);
      expect(unwrap(await callFrom(node, s, SupervisorRequests.terminate('slow'), Infinity))).toBeUndefined();
      expect(await w.trace(1)).toEqual(['stopping slow#0']);
      expect(await exited).toBe('shutdown');
    });
  });

  describe('nested supervisors', () => {
    it('killing an inner supervisor: its children die with it, and the outer one restarts it with its children', async () => {
      const { sup: outer } = await w.start({ intensity: 5, period: 60_000 }, [
        worker(r, 'w'),
        sup('inner', { strategy: 'one_for_one' }, [worker(r, 'x'), worker(r, 'y')]),
      ]);
      expect(await w.trace(3)).toEqual(['start w#0', 'start x#0', 'start y#0']);
      const outerKids = await w.children(outer);
      expect(outerKids.inner).toMatchObject({ type: 'supervisor', restart: 'permanent' });
      expect(outerKids.w).toMatchObject({ type: 'worker' });
      expect(await w.count(outer)).toEqual({ specs: 2, active: 2, supervisors: 1, workers: 1 });
      const inner = outerKids.inner!.pid!;
      const innerKids = pidsOf(await w.children(inner));
      const innerExit = node.awaitExit(inner);
      const exits = [innerKids.x!, innerKids.y!].map((p) => w.exitOf(p));

      node.exit(inner, 'kill');
      expect(await innerExit).toBe('killed');
      expect(await Promise.all(exits)).toEqual(['killed', 'killed']);
      expect(await w.trace(2)).toEqual(['start x#1', 'start y#1']);
      const outerAfter = pidsOf(await w.children(outer));
      expect(outerAfter.w).toBe(outerKids.w!.pid);
      expect(outerAfter.inner).toBeDefined();
      expect(outerAfter.inner).not.toBe(inner);
      const innerAfter = pidsOf(await w.children(outerAfter.inner!));
      expect(innerAfter.x).not.toBe(innerKids.x);
      expect(innerAfter.y).not.toBe(innerKids.y);
      await w.expectNoMoreEvents();
    });

    it('shutting down the outer supervisor stops the tree depth first, in reverse start order', async () => {
      const { sup: outer, starter } = await w.start({}, [
        worker(r, 'w', { trap: true }),
        sup('inner', {}, [worker(r, 'x', { trap: true }), worker(r, 'y', { trap: true })]),
      ]);
      await w.trace(3);
      const inner = pidsOf(await w.children(outer)).inner!;
      const innerExit = node.awaitExit(inner);
      w.shutdownVia(starter);
      expect(await w.trace(3)).toEqual(['stopping y#0', 'stopping x#0', 'stopping w#0']);
      expect(await innerExit).toBe('shutdown');
      expect(await w.exitSeenByStarter(starter, outer)).toBe('shutdown');
    });
  });

  describe('children that die at start', () => {
    it('a server child that crashes right after acknowledging its start (during the supervisor’s init) is restarted', async () => {
      const { sup: s } = await w.start({}, [worker(r, 'a', { crashAtOnceBelow: 1 }), worker(r, 'b')]);
      expect(await w.trace(3)).toEqual(['start a#0', 'start b#0', 'start a#1']);
      const e = await w.children(s);
      expect(e.a!.pid).toBeDefined();
      expect(await callFrom(node, e.a!.pid!, 'whoami')).toMatchObject({ id: 'a', n: 1 });
      await w.expectNoMoreEvents();
    });

    it('a plain child that crashes on its first step is restarted', async () => {
      const { sup: s } = await w.start({}, [plain(r, 'p', { crashAtOnceBelow: 1 }), worker(r, 'b')]);
      const events = await w.trace(3);
      // p and b start concurrently (a plain actor counts as started once spawned); p#0 comes before p#1.
      expect([...events].sort()).toEqual(['start b#0', 'start p#0', 'start p#1']);
      expect(events.indexOf('start p#0')).toBeLessThan(events.indexOf('start p#1'));
      const kids = await w.children(s);
      expect(kids.p!.pid).toBeDefined();
      await w.expectNoMoreEvents();
    });

    it('a plain child that always crashes at once exhausts the intensity: the supervisor exits shutdown', async () => {
      const { sup: s, starter } = await w.start({}, [plain(r, 'p', { crashAtOnceBelow: 1_000_000 })]);
      expect(await w.trace(2)).toEqual(['start p#0', 'start p#1']);
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
      await w.expectNoMoreEvents();
    });

    it('a child whose init fails fails the supervisor’s start; the children already started are stopped', async () => {
      const { starter, result } = await w.tryStart({}, [
        worker(r, 'a', { trap: true }),
        worker(r, 'b', { failInitAt: [0] }),
        worker(r, 'c'),
      ]);
      expect(result).toMatchObject({
        tag: 'start-failed',
        startError: true,
        reason: { shutdown: { failedToStart: 'b', reason: { shutdown: 'init of b failed' } } },
      });
      expect(await w.trace(3)).toEqual(['start a#0', 'start b#0', 'stopping a#0']);
      await w.expectNoMoreEvents();
      const down = await expectMessage<{ message: { reason: unknown } }>(w.inbox, has({ tag: 'starter-got', starter }));
      expect(down.message).toMatchObject({ type: 'EXIT', reason: { shutdown: { failedToStart: 'b' } } });
    });

    it('a restart whose init fails is tried again while the intensity allows (OTP try_again_restart)', async () => {
      const { sup: s, starter } = await w.start({ intensity: 5, period: 60_000 }, [worker(r, 'a', { failInitAt: [1] }), worker(r, 'b')]);
      await w.trace(2);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      // a#1's init fails; the supervisor tries again and a#2 starts (rather than the supervisor giving up).
      expect(await w.trace(1)).toEqual(['start a#1']);
      const next = await expectMessage(w.inbox, (m) => has({ tag: 'start' })(m) || has({ tag: 'starter-got', starter })(m));
      expect(next).toMatchObject({ tag: 'start', id: 'a', n: 2 });
      const kids = pidsOf(await w.children(s));
      expect(await callFrom(node, kids.a!, 'whoami')).toMatchObject({ id: 'a', n: 2 });
      await w.expectNoMoreEvents();
    });

    it('one_for_all: a restart that fails midway is tried again as a whole (all siblings again, in order)', async () => {
      const { sup: s } = await w.start({ strategy: 'one_for_all', intensity: 10, period: 60_000 }, [
        worker(r, 'a'),
        worker(r, 'b', { failInitAt: [1] }),
        worker(r, 'c'),
      ]);
      await w.trace(3);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      expect(await w.trace(5)).toEqual(['start a#1', 'start b#1', 'start a#2', 'start b#2', 'start c#1']);
      const kids = pidsOf(await w.children(s));
      expect(await callFrom(node, kids.a!, 'whoami')).toMatchObject({ n: 2 });
      expect(await callFrom(node, kids.b!, 'whoami')).toMatchObject({ n: 2 });
      expect(await callFrom(node, kids.c!, 'whoami')).toMatchObject({ n: 1 });
      await w.expectNoMoreEvents();
    });

    it('a restart that keeps failing is tried again until the intensity is used up: then the supervisor exits shutdown', async () => {
      const { sup: s, starter } = await w.start({ intensity: 3, period: 60_000 }, [
        worker(r, 'a', { failInitAt: [1, 2, 3, 4, 5, 6, 7, 8, 9] }),
        worker(r, 'b', { trap: true }),
      ]);
      await w.trace(2);
      node.exit(pidsOf(await w.children(s)).a!, 'kill');
      // Three restarts are allowed (each try counts); the fourth is one too many.
      expect(await w.trace(4)).toEqual(['start a#1', 'start a#2', 'start a#3', 'stopping b#0']);
      expect(await w.exitSeenByStarter(starter, s)).toBe('shutdown');
      await w.expectNoMoreEvents();
    });
  });

  describe.each([
    { access: 'plain code (callFrom + SupervisorRequests)', inProcess: false },
    { access: 'a process (yield* startChild …)', inProcess: true },
  ])('child API from $access', ({ inProcess }) => {
    let s: Pid;
    let api: (op: ApiOp) => Promise<ApiResult>;

    beforeEach(async () => {
      ({ sup: s } = await w.start({ intensity: 10, period: 60_000 }, [worker(r, 'a')]));
      await w.trace(1);
      if (inProcess) {
        const client = node.spawn(ApiClient, w.inbox.pid, s);
        let seq = 0;
        api = async (op) => {
          seq += 1;
          node.send(client, { seq, op });
          const m = await expectMessage<{ result: ApiResult }>(w.inbox, has({ tag: 'api', seq }));
          return m.result;
        };
      } else {
        api = async (op) => {
          try {
            return { ok: unwrap(await callFrom(node, s, requestOf(op), Infinity)) };
          } catch (error) {
            expect(error).toBeInstanceOf(SupervisorError);
            return { error: (error as Error).name, message: (error as Error).message };
          }
        };
      }
    });

    const refused = { error: 'SupervisorError' };

    it('whichChildren and countChildren', async () => {
      const a = pidsOf(await w.children(s)).a;
      expect(await api({ op: 'which' })).toEqual({ ok: [{ id: 'a', pid: a, type: 'worker', restart: 'permanent' }] });
      expect(await api({ op: 'count' })).toEqual({ ok: { specs: 1, active: 1, supervisors: 0, workers: 1 } });
    });

    it('startChild starts and adds a child; a duplicate id and a failing init are refused', async () => {
      const started = await api({ op: 'start', child: worker(r, 'b') });
      expect(started).toMatchObject({ ok: expect.any(Number) });
      const b = (started as { ok: Pid }).ok;
      expect(await w.event()).toMatchObject({ tag: 'start', id: 'b', n: 0, pid: b });
      expect((await w.children(s)).b).toEqual({ id: 'b', pid: b, type: 'worker', restart: 'permanent' });

      expect(await api({ op: 'start', child: worker(r, 'b') })).toMatchObject(refused);
      expect(await api({ op: 'start', child: worker(r, 'a') })).toMatchObject(refused);
      await w.expectNoMoreEvents();

      expect(await api({ op: 'start', child: worker(r, 'bad', { failInitAt: [0] }) })).toMatchObject(refused);
      expect(await w.trace(1)).toEqual(['start bad#0']);
      expect(Object.keys(await w.children(s)).sort()).toEqual(['a', 'b']);

      // A supervisor child is counted as one.
      expect(await api({ op: 'start', child: sup('inner', {}, [worker(r, 'x')]) })).toMatchObject({ ok: expect.any(Number) });
      expect(await w.trace(1)).toEqual(['start x#0']);
      expect((await w.children(s)).inner).toMatchObject({ type: 'supervisor' });
      expect(await api({ op: 'count' })).toEqual({ ok: { specs: 3, active: 3, supervisors: 1, workers: 2 } });
    });

    it("startChild of a child whose init says 'ignore': no pid; the spec stays unless temporary", async () => {
      expect(await api({ op: 'start', child: worker(r, 'i', { ignore: true }) })).toEqual({ ok: undefined });
      expect((await w.children(s)).i).toMatchObject({ id: 'i', pid: undefined });
      expect(await api({ op: 'start', child: worker(r, 'it', { ignore: true }, { restart: 'temporary' }) })).toEqual({ ok: undefined });
      expect((await w.children(s)).it).toBeUndefined();
    });

    it('terminateChild, restartChild and deleteChild, with their refusals', async () => {
      const a = pidsOf(await w.children(s)).a!;
      // A running child cannot be restarted or deleted.
      expect(await api({ op: 'restart', id: 'a' })).toMatchObject(refused);
      expect(await api({ op: 'delete', id: 'a' })).toMatchObject(refused);
      // Unknown ids.
      for (const op of ['terminate', 'restart', 'delete'] as const) {
        expect(await api({ op, id: 'nope' }), op).toMatchObject(refused);
      }
      await w.expectNoMoreEvents();

      const aExit = w.exitOf(a);
      expect(await api({ op: 'terminate', id: 'a' })).toEqual({ ok: undefined });
      expect(await aExit).toBe('shutdown');
      expect((await w.children(s)).a).toMatchObject({ pid: undefined });
      expect(await api({ op: 'count' })).toEqual({ ok: { specs: 1, active: 0, supervisors: 0, workers: 1 } });
      // Terminating a terminated child is fine (OTP: ok).
      expect(await api({ op: 'terminate', id: 'a' })).toEqual({ ok: undefined });

      const restarted = await api({ op: 'restart', id: 'a' });
      expect(restarted).toMatchObject({ ok: expect.any(Number) });
      expect(await w.event()).toMatchObject({ tag: 'start', id: 'a', n: 1, pid: (restarted as { ok: Pid }).ok });

      expect(await api({ op: 'terminate', id: 'a' })).toEqual({ ok: undefined });
      expect(await api({ op: 'delete', id: 'a' })).toEqual({ ok: undefined });
      expect(await w.which(s)).toEqual([]);
      expect(await api({ op: 'delete', id: 'a' })).toMatchObject(refused);
      expect(await api({ op: 'restart', id: 'a' })).toMatchObject(refused);
      await w.expectNoMoreEvents();
    });

    it('terminateChild of a temporary child forgets it', async () => {
      expect(await api({ op: 'start', child: worker(r, 't', {}, { restart: 'temporary' }) })).toMatchObject({ ok: expect.any(Number) });
      await w.trace(1);
      expect(await api({ op: 'terminate', id: 't' })).toEqual({ ok: undefined });
      expect((await w.children(s)).t).toBeUndefined();
      expect(await api({ op: 'restart', id: 't' })).toMatchObject(refused);
    });
  });
});
