import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pid } from '@strand/core';
import { nodeOf } from '@strand/core/runtime';
import { type NatsServer, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess } from './node-process.js';

/** Over nats-server's default max_payload (1 MiB), and under it (a frame of its own, over FRAME_LIMIT_BYTES). */
const TOO_LARGE_BYTES = 2 * 1024 * 1024;
const LARGE_BYTES = 600 * 1024;

// Two nodes, each its own OS process, joined through a real nats-server.
describe.skipIf(skipWithoutNats)('send, link, monitor and exit across nodes', () => {
  let server: NatsServer;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    server = await startNatsServer();
    [a, b] = await Promise.all([NodeProcess.start(server.url, 'a', 'signals'), NodeProcess.start(server.url, 'b', 'signals')]);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await server?.stop();
  }, 60_000);

  it('gives the nodes distinct numbers, written into their pids', async () => {
    expect(new Set([a.number, b.number]).size).toBe(2);
    expect(nodeOf((await a.spawnAgent()) as Pid)).toBe(a.number);
    expect(nodeOf((await b.spawnAgent()) as Pid)).toBe(b.number);
  });

  it('delivers messages from a process on one node to a process on another in send order', async () => {
    const sender = await a.spawnAgent();
    const receiver = await b.spawnAgent();
    await a.tell(sender, { op: 'send', to: receiver, count: 2000 });
    await b.report(receiver, (r) => r.got?.seq === 1999, 'the last message');
    const seqs = b.reports(receiver).map((r) => r.got.seq as number);
    expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('sends from plain code of one node to a process of another', async () => {
    const receiver = await b.spawnAgent();
    await a.request('send', { to: receiver, message: { hello: 'from a', list: [1, 2n.toString()] } });
    const got = await b.report(receiver, (r) => r.got !== undefined);
    expect(got.got).toEqual({ hello: 'from a', list: [1, '2'] });
  });

  it('a link across nodes carries a crash to a trapping process as EXIT with the reason', async () => {
    const watcher = await a.spawnAgent();
    const target = await b.spawnAgent();
    await a.tell(watcher, { op: 'trap' });
    await a.report(watcher, (r) => r.op === 'trap');
    await a.tell(watcher, { op: 'link', pid: target });
    await a.report(watcher, (r) => r.op === 'link');
    // The link left a before this message: one node pair, one order.
    await a.tell(watcher, { op: 'send', to: target, count: 1 });
    await b.report(target, (r) => r.got?.seq === 0, 'the message after the link');
    await b.tell(target, { op: 'crash', message: 'boom on b' });
    const exit = await a.report(watcher, (r) => r.got?.type === 'EXIT');
    expect(exit.got).toMatchObject({ type: 'EXIT', from: target, reason: { error: { name: 'Error', message: 'boom on b' } } });
  });

  it('a link across nodes takes a process that does not trap down with its partner', async () => {
    const left = await a.spawnAgent();
    const right = await b.spawnAgent();
    await a.tell(left, { op: 'link', pid: right });
    await a.report(left, (r) => r.op === 'link');
    await a.tell(left, { op: 'send', to: right, count: 1 });
    await b.report(right, (r) => r.got?.seq === 0);
    await b.tell(right, { op: 'crash', message: 'partner' });
    const reason = (await a.request('awaitExit', { pid: left })).reason;
    expect(reason).toMatchObject({ error: { message: 'partner' } });
  });

  it('a monitor across nodes gets DOWN with the exit reason, and exit/2 from another node kills', async () => {
    const watcher = await a.spawnAgent();
    const target = await b.spawnAgent();
    const killer = await a.spawnAgent();
    await a.tell(watcher, { op: 'monitor', pid: target });
    const { ref } = await a.report(watcher, (r) => r.op === 'monitor');
    await a.tell(killer, { op: 'exit', pid: target, reason: 'kill' });
    const down = await a.report(watcher, (r) => r.got?.type === 'DOWN');
    expect(down.got).toEqual({ type: 'DOWN', ref, pid: target, reason: 'killed' });
  });

  it('spawnOn starts a process on another node, by name or by number; a node that is not a member is refused with UnknownNodeError', async () => {
    // An agent on b that reports to a's inbox: its reports cross back to a.
    const { pid } = await a.request('spawnOn', { node: 'b' });
    expect(nodeOf(pid as Pid)).toBe(b.number);
    await a.tell(pid, { op: 'trap' });
    expect(await a.report(pid, (r) => r.op === 'trap')).toMatchObject({ from: pid });
    expect(nodeOf((await a.request('spawnOn', { node: b.number })).pid as Pid)).toBe(b.number);
    expect(nodeOf((await a.request('spawnOn', { node: 'a' })).pid as Pid)).toBe(a.number);
    await expect(a.request('spawnOn', { node: 'nobody' })).rejects.toMatchObject({ name: 'UnknownNodeError' });
  });

  it('call: a server on another node answers; once it is gone, a call to its pid fails with noproc', async () => {
    const { pid } = await b.request('startMovable', { server: 'MovableCounter', start: 0, name: 'called-across' });
    expect((await a.request('call', { pid, request: 'inc' })).answer).toMatchObject({ count: 1, node: b.number });
    expect((await a.request('call', { pid, request: 'inc' })).answer).toMatchObject({ count: 2, node: b.number });
    await b.request('kill', { pid });
    expect((await b.request('awaitExit', { pid })).reason).toBe('killed');
    await expect(a.request('call', { pid, request: 'inc' })).rejects.toMatchObject({ name: 'CallError', message: expect.stringMatching(/noproc/) });
  });

  it('a monitor of a process that is gone on another node answers DOWN noproc', async () => {
    const watcher = await a.spawnAgent();
    const target = await b.spawnAgent();
    await b.request('kill', { pid: target });
    expect((await b.request('awaitExit', { pid: target })).reason).toBe('killed');
    await a.tell(watcher, { op: 'monitor', pid: target });
    const down = await a.report(watcher, (r) => r.got?.type === 'DOWN');
    expect(down.got).toMatchObject({ type: 'DOWN', pid: target, reason: 'noproc' });
  });

  it('a message that cannot be encoded for another node throws UncloneableError at send, from a process and from plain code', async () => {
    const sender = await a.spawnAgent();
    const receiver = await b.spawnAgent();
    const local = await a.spawnAgent();
    await a.tell(sender, { op: 'sendShared', to: receiver });
    expect((await a.report(sender, (r) => r.op === 'sendShared')).threw).toBe('UncloneableError');
    // Between threads of one node the same value is fine: only the wire refuses it.
    await a.tell(sender, { op: 'sendShared', to: local });
    expect((await a.report(sender, (r) => r.op === 'sendShared' && r.threw === null)).threw).toBeNull();
    await expect(a.request('sendShared', { to: receiver })).rejects.toMatchObject({ name: 'UncloneableError' });
    // The sender and the node carry on.
    await a.tell(sender, { op: 'send', to: receiver, count: 1 });
    expect((await b.report(receiver, (r) => r.got !== undefined)).got).toEqual({ seq: 0, from: sender });
  });

  it("a message larger than the NATS server's max_payload throws MessageTooLargeError at send, from a process and from plain code; a large one under it arrives", async () => {
    const sender = await a.spawnAgent();
    const receiver = await b.spawnAgent();
    await a.tell(sender, { op: 'sendBytes', to: receiver, bytes: TOO_LARGE_BYTES });
    expect((await a.report(sender, (r) => r.op === 'sendBytes')).threw).toBe('MessageTooLargeError');
    await expect(a.request('sendBytes', { to: receiver, bytes: TOO_LARGE_BYTES })).rejects.toMatchObject({ name: 'MessageTooLargeError' });
    await a.tell(sender, { op: 'sendBytes', to: receiver, bytes: LARGE_BYTES });
    expect((await a.report(sender, (r) => r.op === 'sendBytes' && r.threw === null)).threw).toBeNull();
    expect((await b.report(receiver, (r) => r.got !== undefined)).got).toHaveLength(LARGE_BYTES);
  });
});
