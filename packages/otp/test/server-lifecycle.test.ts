/**
 * A server's life, after OTP's gen_server_SUITE (start, stop, info,
 * timeouts, crash, terminate, trap-exit from the parent), on an in-thread
 * Scheduler and on a Strand runtime with two worker threads.
 */
import { type ExitReason, type Inbox, type Pid } from '@strand/core';
import { CallError, callFrom } from '@strand/otp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODES, type Node, castFrom, expectMessage, has } from './behaviour-modes.js';
import { type InitMode, Life } from './fixtures/lifecycle-servers.js';
import { Starter, type StarterReport, wire } from './fixtures/starter.js';

describe.each(MODES)('Server lifecycle ($name)', (mode) => {
  let node: Node;
  let inbox: Inbox;

  beforeEach(async () => {
    node = await mode.start();
    inbox = node.inbox();
  });

  afterEach(async () => {
    await node.stop();
  });

  /** Starts Life through a Starter (its parent); returns what startLink gave and the server's pid from its init report. */
  async function startViaStarter(initMode: InitMode): Promise<{ starter: Pid; pid: Pid; result: StarterReport }> {
    const starter = node.spawn(Starter, inbox.pid, wire(Life), [inbox.pid, initMode]);
    const init = await expectMessage<{ pid: Pid }>(inbox, has({ tag: 'init' }));
    const result = await expectMessage<StarterReport>(
      inbox,
      (m) => has({ tag: 'started', starter })(m) || has({ tag: 'start-failed', starter })(m),
    );
    return { starter, pid: init.pid, result };
  }

  /** The EXIT of `pid` as its parent (the Starter, trapping exits) saw it. */
  async function exitSeenByStarter(starter: Pid, pid: Pid): Promise<ExitReason> {
    const got = await expectMessage<{ message: { reason: ExitReason } }>(
      inbox,
      (m) => has({ tag: 'starter-got', starter })(m) && has({ type: 'EXIT', from: pid })((m as { message: unknown }).message),
    );
    return got.message.reason;
  }

  /** Spawns Life directly (no parent, null StartInfo) and waits for its init. */
  async function spawnLife(initMode: InitMode = { kind: 'ok' }): Promise<Pid> {
    const pid = node.spawn(Life.actor, null, inbox.pid, initMode);
    await expectMessage(inbox, has({ tag: 'init', pid }));
    return pid;
  }

  /** Calls `trigger`, then returns what came first of the server's terminate report and its DOWN, and its exit reason. */
  async function endOf(pid: Pid, trigger: () => Promise<unknown> | void) {
    const exited = node.awaitExit(pid);
    const ref = inbox.monitor(pid);
    // Across threads nothing orders these monitors (from plain code) before the trigger's signal
    // (from another process): trigger once the server's scheduler lists the inbox's monitor, sent
    // after awaitExit's over the same channel (each check a round trip, until the test's timeout).
    for (;;) {
      const info = await node.processInfo(pid);
      expect(info, 'the server ended before the trigger').toBeDefined();
      if (info!.monitoredBy.includes(inbox.pid)) break;
    }
    const triggered = trigger();
    const isTerminate = has({ tag: 'terminate', pid });
    const isDown = has({ type: 'DOWN', ref });
    const first = await expectMessage<{ tag?: string; reason: ExitReason }>(inbox, (m) => isTerminate(m) || isDown(m));
    const down = isDown(first) ? first : await expectMessage<{ reason: ExitReason }>(inbox, isDown);
    return { first, down, reason: await exited, triggered: await Promise.resolve(triggered).catch((e: unknown) => e) };
  }

  describe('init', () => {
    it('init returning { stop } makes startLink throw StartError with that reason; the process exits with it', async () => {
      const { starter, pid, result } = await startViaStarter({ kind: 'stop', reason: { shutdown: 'not today' } });
      expect(result).toEqual({ tag: 'start-failed', starter, startError: true, reason: { shutdown: 'not today' } });
      expect(await exitSeenByStarter(starter, pid)).toEqual({ shutdown: 'not today' });
    });

    it("init returning { stop: 'normal' } is a failed start too", async () => {
      const { starter, pid, result } = await startViaStarter({ kind: 'stop', reason: 'normal' });
      expect(result).toEqual({ tag: 'start-failed', starter, startError: true, reason: 'normal' });
      expect(await exitSeenByStarter(starter, pid)).toBe('normal');
    });

    it('init that throws makes startLink throw StartError with the error; the process exits with it', async () => {
      const { starter, pid, result } = await startViaStarter({ kind: 'throw', message: 'bad init' });
      expect(result).toMatchObject({ tag: 'start-failed', startError: true, reason: { error: { name: 'Error', message: 'bad init' } } });
      expect(await exitSeenByStarter(starter, pid)).toMatchObject({ error: { message: 'bad init' } });
    });

    it('init that calls exit(reason) fails the start with that reason (OTP: {error, Reason})', async () => {
      const { starter, pid, result } = await startViaStarter({ kind: 'exit', reason: { shutdown: 'exit in init' } });
      expect(await exitSeenByStarter(starter, pid)).toEqual({ shutdown: 'exit in init' });
      expect(result).toEqual({ tag: 'start-failed', starter, startError: true, reason: { shutdown: 'exit in init' } });
    });

    it("init returning 'ignore' makes startLink return undefined, and the process ends normally", async () => {
      const { starter, pid, result } = await startViaStarter({ kind: 'ignore' });
      expect(result).toEqual({ tag: 'started', starter, pid: undefined });
      expect(await exitSeenByStarter(starter, pid)).toBe('normal');
    });

    it('a generator init that succeeds makes startLink return the pid once init is done', async () => {
      const { pid, result } = await startViaStarter({ kind: 'generator-ok' });
      expect(result).toMatchObject({ tag: 'started', pid });
      expect(await callFrom(node, pid, 'ping')).toBe('pong');
    });
  });

  describe('messages and timeouts', () => {
    it('handleInfo gets the messages that are neither calls nor casts', async () => {
      const pid = await spawnLife();
      node.send(pid, { hello: 1 });
      node.send(pid, 'plain string');
      node.send(pid, { type: '$reply', ref: 'not-a-real-ref', value: 1 });
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toMatchObject({ message: { hello: 1 } });
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toMatchObject({ message: 'plain string' });
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toMatchObject({ message: { type: '$reply', ref: 'not-a-real-ref' } });
      expect(await callFrom(node, pid, 'ping')).toBe('pong');
    });

    it('a timeout in init gives handleInfo(TIMEOUT) when no message comes', async () => {
      const pid = await spawnLife({ kind: 'ok', timeout: 5 });
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toEqual({ tag: 'info', pid, timeout: true });
      // handleInfo answered without a timeout: the next thing it sees is a message.
      node.send(pid, 'after');
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toMatchObject({ message: 'after' });
    });

    it('a timeout in a call or cast result gives handleInfo(TIMEOUT); a message that comes first cancels it', async () => {
      const pid = await spawnLife();
      expect(await callFrom(node, pid, { op: 'reply-with-timeout', timeout: 10_000 })).toBe('ok');
      node.send(pid, 'quick');
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toMatchObject({ message: 'quick' });

      castFrom(node, pid, { op: 'noreply-with-timeout', timeout: 5 });
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toEqual({ tag: 'info', pid, timeout: true });
      expect(await callFrom(node, pid, { op: 'reply-with-timeout', timeout: 0 })).toBe('ok');
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toEqual({ tag: 'info', pid, timeout: true });
      node.send(pid, 'later');
      expect(await expectMessage(inbox, has({ tag: 'info', pid }))).toMatchObject({ message: 'later' });
    });
  });

  describe('stopping', () => {
    it('a stop result from handleCall: the reply goes out, terminate runs, then the process exits with the reason', async () => {
      const pid = await spawnLife();
      const end = await endOf(pid, () => callFrom(node, pid, { op: 'stop', reason: { shutdown: 'asked' }, reply: 'bye' }));
      expect(end.triggered).toBe('bye');
      expect(end.first).toEqual({ tag: 'terminate', pid, reason: { shutdown: 'asked' } });
      expect(end.down.reason).toEqual({ shutdown: 'asked' });
      expect(end.reason).toEqual({ shutdown: 'asked' });
    });

    it('a stop result from handleCast and from handleInfo: terminate, then exit with the reason', async () => {
      const a = await spawnLife();
      const endA = await endOf(a, () => castFrom(node, a, { op: 'stop', reason: 'normal' }));
      expect(endA.first).toEqual({ tag: 'terminate', pid: a, reason: 'normal' });
      expect(endA.reason).toBe('normal');

      const b = await spawnLife();
      const endB = await endOf(b, () => node.send(b, { op: 'stop', reason: { shutdown: 'info' } }));
      expect(endB.first).toEqual({ tag: 'terminate', pid: b, reason: { shutdown: 'info' } });
      expect(endB.reason).toEqual({ shutdown: 'info' });
    });

    it('a stop without a reply fails the waiting call with the reason', async () => {
      const pid = await spawnLife();
      const end = await endOf(pid, () => callFrom(node, pid, { op: 'stop', reason: { shutdown: 'no reply' } }));
      expect(end.triggered).toBeInstanceOf(CallError);
      expect((end.triggered as CallError).reason).toEqual({ shutdown: 'no reply' });
      expect(end.first).toMatchObject({ tag: 'terminate', reason: { shutdown: 'no reply' } });
      expect(end.reason).toEqual({ shutdown: 'no reply' });
    });
  });

  describe('crashes', () => {
    it('handleCall throws: terminate gets { error }, the process exits with it, the caller gets CallError', async () => {
      const pid = await spawnLife();
      const end = await endOf(pid, () => callFrom(node, pid, { op: 'throw', message: 'call blew up' }));
      expect(end.triggered).toBeInstanceOf(CallError);
      expect(end.first).toMatchObject({ tag: 'terminate', reason: { error: { name: 'Error', message: 'call blew up' } } });
      expect(end.reason).toMatchObject({ error: { name: 'Error', message: 'call blew up' } });
    });

    it('handleCast, handleInfo and a generator handleCall that throw: terminate gets { error }, then exit with it', async () => {
      const cases: [string, (pid: Pid) => unknown][] = [
        ['cast', (pid) => castFrom(node, pid, { op: 'throw', message: 'cast blew up' })],
        ['info', (pid) => node.send(pid, { op: 'throw', message: 'info blew up' })],
        ['generator', (pid) => callFrom(node, pid, { op: 'generator-throw', message: 'generator blew up' }).catch(() => undefined)],
      ];
      for (const [what, trigger] of cases) {
        const pid = await spawnLife();
        const end = await endOf(pid, () => void trigger(pid));
        expect(end.first, what).toMatchObject({ tag: 'terminate', reason: { error: { message: `${what} blew up` } } });
        expect(end.reason, what).toMatchObject({ error: { message: `${what} blew up` } });
      }
    });
  });

  it('a callback that calls exit(reason): terminate(reason) runs, then the process exits with it (OTP)', async () => {
    const pid = await spawnLife();
    const end = await endOf(pid, () => callFrom(node, pid, { op: 'exit', reason: { shutdown: 'exit in handleCall' } }));
    expect(end.triggered).toBeInstanceOf(CallError);
    expect(end.reason).toEqual({ shutdown: 'exit in handleCall' });
    expect(end.first).toEqual({ tag: 'terminate', pid, reason: { shutdown: 'exit in handleCall' } });
  });

  describe('exit signals', () => {
    it("a trapping server told exit(pid, 'shutdown') by its parent runs terminate('shutdown') and exits 'shutdown'", async () => {
      const { starter, pid, result } = await startViaStarter({ kind: 'ok', trap: true });
      expect(result).toMatchObject({ tag: 'started', pid });
      const end = await endOf(pid, () => node.send(starter, { cmd: 'exit', reason: 'shutdown' }));
      expect(end.first).toEqual({ tag: 'terminate', pid, reason: 'shutdown' });
      expect(end.reason).toBe('shutdown');
      expect(await exitSeenByStarter(starter, pid)).toBe('shutdown');
    });

    it('the same with { shutdown: x } from the parent', async () => {
      const { starter, pid } = await startViaStarter({ kind: 'ok', trap: true });
      const end = await endOf(pid, () => node.send(starter, { cmd: 'exit', reason: { shutdown: 'upgrade' } }));
      expect(end.first).toEqual({ tag: 'terminate', pid, reason: { shutdown: 'upgrade' } });
      expect(end.reason).toEqual({ shutdown: 'upgrade' });
    });

    it("a server that does not trap exits is ended by its parent's 'shutdown' without terminate", async () => {
      const { starter, pid } = await startViaStarter({ kind: 'ok' });
      const end = await endOf(pid, () => node.send(starter, { cmd: 'exit', reason: 'shutdown' }));
      // terminate would have reported before the server's DOWN.
      expect(end.first).toMatchObject({ type: 'DOWN', reason: 'shutdown' });
      expect(end.reason).toBe('shutdown');
    });

    it('an EXIT from a process other than the parent goes to handleInfo, and the server lives on', async () => {
      const { starter, pid } = await startViaStarter({ kind: 'ok', trap: true });
      const crasher = await callFrom<Pid>(node, pid, { op: 'spawn-link-crasher', message: 'linked child failed' });
      const info = await expectMessage<{ message: unknown }>(inbox, has({ tag: 'info', pid }));
      expect(info.message).toMatchObject({ type: 'EXIT', from: crasher, reason: { error: { message: 'linked child failed' } } });
      expect(await callFrom(node, pid, 'ping')).toBe('pong');

      // An exit signal from plain code is not from the parent either.
      node.exit(pid, 'shutdown');
      const info2 = await expectMessage<{ message: unknown }>(inbox, has({ tag: 'info', pid }));
      expect(info2.message).toMatchObject({ type: 'EXIT', reason: 'shutdown' });
      expect((info2.message as { from: Pid }).from).not.toBe(starter);
      expect(await callFrom(node, pid, 'ping')).toBe('pong');

      // The parent's, though, ends it.
      const end = await endOf(pid, () => node.send(starter, { cmd: 'exit', reason: 'shutdown' }));
      expect(end.first).toEqual({ tag: 'terminate', pid, reason: 'shutdown' });
    });
  });
});
