/**
 * Server calls and casts, after OTP's gen_server_SUITE (call, cast,
 * call_remote*, timeouts, "late replies are not left behind"), on an
 * in-thread Scheduler and on a Strand runtime with two worker threads.
 */
import { type Inbox, type Pid } from '@strand/core';
import { CallError, CallTimeoutError, callFrom } from '@strand/otp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODES, type Node, castFrom, expectMessage, has } from './behaviour-modes.js';
import { Caller, Caster, Echo, LateReplyProbe, type Outcome, Proxy, Releaser, StaleDownProbe } from './fixtures/call-servers.js';

describe.each(MODES)('Server calls ($name)', (mode) => {
  let node: Node;
  let inbox: Inbox;

  beforeEach(async () => {
    node = await mode.start();
    inbox = node.inbox();
  });

  afterEach(async () => {
    await node.stop();
  });

  /** Spawns a Caller and returns its outcome. */
  async function callInProcess(server: Pid | string, request: unknown, timeoutMs = -1): Promise<Outcome> {
    const caller = node.spawn(Caller, inbox.pid, server, request, timeoutMs);
    const exited = node.awaitExit(caller);
    const m = await expectMessage<{ outcome: Outcome }>(inbox, has({ tag: 'outcome' }));
    expect(await exited).toBe('normal');
    return m.outcome;
  }

  it('call and reply round trip: by pid and by name, from plain code and from a process', async () => {
    const srv = node.spawn(Echo.actor, null, 'echo-rt');
    const value = { a: [1, 'x', { b: null }], n: -0.5, s: 'ünïcode' };
    expect(await callFrom(node, srv, { op: 'echo', v: value })).toEqual(value);
    // The first call was answered, so init has run and registered the name.
    expect(node.whereis('echo-rt')).toBe(srv);
    expect(await callFrom(node, 'echo-rt', { op: 'echo', v: 42 })).toBe(42);
    expect(await callFrom(node, srv, { op: 'whoami' })).toBe(srv);
    expect(await callInProcess(srv, { op: 'echo', v: 'by pid' })).toEqual({ ok: 'by pid' });
    expect(await callInProcess('echo-rt', { op: 'echo', v: 'by name' })).toEqual({ ok: 'by name' });
    // Many calls in a row, each answered with its own value.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => callFrom(node, srv, { op: 'echo', v: i })));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('handleCall returning noreply: the reply comes later, from another process', async () => {
    const srv = node.spawn(Echo.actor, null);
    // The server hands `from` to a process of its own, which replies.
    const late = await callFrom<{ by: Pid; v: unknown }>(node, srv, { op: 'later', v: 'from elsewhere' });
    expect(late.v).toBe('from elsewhere');
    expect(late.by).not.toBe(srv);

    // A held call does not block the server; a third process answers it.
    const held = callFrom(node, srv, { op: 'hold', notify: inbox.pid });
    await expectMessage(inbox, has({ tag: 'holding' }));
    expect(await callFrom(node, srv, { op: 'echo', v: 2 })).toBe(2);
    node.spawn(Releaser, inbox.pid, srv, 'freed');
    const released = await expectMessage<{ by: Pid; count: number }>(inbox, has({ tag: 'released' }));
    expect(released.count).toBe(1);
    expect(released.by).not.toBe(srv);
    expect(await held).toBe('freed');
  });

  it('a call to an unknown name fails at once with noproc (no timeout needed)', async () => {
    const failed = await callFrom(node, 'no-such-server', { op: 'echo', v: 1 }, Infinity).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(CallError);
    expect((failed as CallError).reason).toBe('noproc');
    expect(await callInProcess('no-such-server', { op: 'echo', v: 1 }, Infinity)).toMatchObject({ error: 'CallError', reason: 'noproc' });
  });

  it('a call to a dead pid fails with noproc', async () => {
    const srv = node.spawn(Echo.actor, null);
    const exited = node.awaitExit(srv);
    expect(await callFrom(node, srv, { op: 'stop', reason: 'normal', reply: 'bye' })).toBe('bye');
    expect(await exited).toBe('normal');
    const failed = await callFrom(node, srv, { op: 'echo', v: 1 }, Infinity).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(CallError);
    expect((failed as CallError).reason).toBe('noproc');
    expect(await callInProcess(srv, { op: 'echo', v: 1 }, Infinity)).toMatchObject({ error: 'CallError', reason: 'noproc' });
  });

  it('a call that times out throws CallTimeoutError, and its late reply is not left in the mailbox', async () => {
    const srv = node.spawn(Echo.actor, null);
    node.spawn(LateReplyProbe, inbox.pid, srv, 30);
    const probe = await expectMessage<{ outcome: Outcome; next: unknown; after: unknown }>(inbox, has({ tag: 'probe' }));
    expect(probe.outcome).toEqual({ error: 'CallTimeoutError', timeoutMs: 30 });
    // The server sent the late reply before 'marker': had it been kept, it would come first.
    expect(probe.next).toBe('marker');
    expect(probe.after).toBe('nothing');
    // The server is fine, and the caller's timeout did not hurt it.
    expect(await callFrom(node, srv, { op: 'echo', v: 'still here' })).toBe('still here');
  });

  it("after a call timed out, the call's monitor is gone: no stale DOWN when the server ends", async () => {
    const srv = node.spawn(Echo.actor, null);
    node.spawn(StaleDownProbe, inbox.pid, srv, 30);
    const probe = await expectMessage<{ outcome: Outcome; next: { type: string; ref: string; reason: unknown }; ref: string }>(
      inbox,
      has({ tag: 'probe' }),
    );
    expect(probe.outcome).toEqual({ error: 'CallTimeoutError', timeoutMs: 30 });
    expect(probe.next).toMatchObject({ type: 'DOWN', ref: probe.ref, reason: 'normal' });
  });

  it('callFrom: a timeout rejects with CallTimeoutError and the server keeps serving', async () => {
    const srv = node.spawn(Echo.actor, null);
    const failed = await callFrom(node, srv, { op: 'hold' }, 30).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(CallTimeoutError);
    expect((failed as CallTimeoutError).timeoutMs).toBe(30);
    // Answering the abandoned call goes nowhere and harms nothing.
    castFrom(node, srv, { op: 'release', v: 'too late' });
    expect(await callFrom(node, srv, { op: 'echo', v: 'next' })).toBe('next');
  });

  it("a server that dies during a call fails the call with the server's exit reason", async () => {
    // It throws while handling the call.
    const a = node.spawn(Echo.actor, null);
    const aExited = node.awaitExit(a);
    const crashed = await callFrom(node, a, { op: 'crash', message: 'boom' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(crashed).toBeInstanceOf(CallError);
    expect((crashed as CallError).reason).toMatchObject({ error: { name: 'Error', message: 'boom' } });
    expect(await aExited).toMatchObject({ error: { message: 'boom' } });

    // It stops without replying.
    const b = node.spawn(Echo.actor, null);
    expect(await callInProcess(b, { op: 'stop', reason: { shutdown: 'bye' } })).toEqual({
      error: 'CallError',
      reason: { shutdown: 'bye' },
      server: b,
    });

    // It is killed while a call waits for it.
    const c = node.spawn(Echo.actor, null);
    node.spawn(Caller, inbox.pid, c, { op: 'hold', notify: inbox.pid }, Infinity);
    await expectMessage(inbox, has({ tag: 'holding' }));
    node.exit(c, 'kill');
    const m = await expectMessage<{ outcome: Outcome }>(inbox, has({ tag: 'outcome' }));
    expect(m.outcome).toMatchObject({ error: 'CallError', reason: 'killed' });
  });

  it('a stop result that carries a reply answers the caller, then the server exits with the reason', async () => {
    const srv = node.spawn(Echo.actor, null);
    const exited = node.awaitExit(srv);
    expect(await callFrom(node, srv, { op: 'stop', reason: { shutdown: 'done' }, reply: 'ok, stopping' })).toBe('ok, stopping');
    expect(await exited).toEqual({ shutdown: 'done' });
  });

  it('cast never fails: not for an unknown name, not for a dead pid', async () => {
    const srv = node.spawn(Echo.actor, null);
    const exited = node.awaitExit(srv);
    castFrom(node, srv, { op: 'stop', reason: 'normal' });
    expect(await exited).toBe('normal');
    const caster = node.spawn(Caster, inbox.pid, 'no-such-server', srv);
    const casterExited = node.awaitExit(caster);
    expect(await expectMessage(inbox, (m) => has({ tag: 'cast-ok' })(m) || has({ tag: 'cast-failed' })(m))).toEqual({ tag: 'cast-ok' });
    expect(await casterExited).toBe('normal');
  });

  it('generator callbacks: *init and *handleCall use yield* call(...) on another server', async () => {
    const target = node.spawn(Echo.actor, null);
    const proxy = node.spawn(Proxy.actor, null, target);
    const targetExited = node.awaitExit(target);
    const proxyExited = node.awaitExit(proxy);
    expect(await callFrom(node, proxy, 'greeting')).toBe('hello from init');
    expect(await callFrom(node, proxy, { op: 'echo', v: 7 })).toEqual({ via: 'proxy', v: 7 });

    // While *handleCall waits on its own call, the proxy serves nothing else; both are answered in turn.
    const first = callFrom(node, proxy, { op: 'hold', notify: inbox.pid });
    await expectMessage(inbox, has({ tag: 'holding' }));
    const second = callFrom(node, proxy, { op: 'echo', v: 5 });
    node.spawn(Releaser, inbox.pid, target, 'r');
    await expectMessage(inbox, has({ tag: 'released' }));
    expect(await first).toEqual({ via: 'proxy', v: 'r' });
    expect(await second).toEqual({ via: 'proxy', v: 5 });

    // The inner call fails: the proxy's handleCall throws it, and the proxy dies of it.
    const failed = await callFrom(node, proxy, { op: 'crash', message: 'inner' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(CallError);
    expect((failed as CallError).reason).toMatchObject({ error: { name: 'CallError' } });
    expect(await targetExited).toMatchObject({ error: { message: 'inner' } });
    expect(await proxyExited).toMatchObject({ error: { name: 'CallError' } });
  });
});
