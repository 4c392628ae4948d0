/**
 * Handoff (handoff.ts): a server gives its state to a successor and
 * forwards what it receives; a call follows a server that moved. On an
 * in-thread Scheduler and on a Strand runtime with two worker threads.
 */
import { type ExitReason, type Inbox, type Pid, makeRef } from '@strand/core';
import { CallError, type HandoffAnswer, type Resume, callFrom } from '@strand/otp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODES, type Node, castFrom, expectMessage, has } from './behaviour-modes.js';
import { Holder, Mover, Tally, Unmovable } from './fixtures/handoff-servers.js';

describe.each(MODES)('Server handoff ($name)', (mode) => {
  let node: Node;
  let inbox: Inbox;

  beforeEach(async () => {
    node = await mode.start();
    inbox = node.inbox();
  });

  afterEach(async () => {
    await node.stop();
  });

  /** Starts a behaviour from plain code, its acknowledgement sent to the inbox (`StartInfo.to`). */
  async function startFromHere(spawn: (info: { ref: string; to: Pid; resume?: Resume }) => Pid, resume?: Resume): Promise<Pid> {
    const ref = makeRef();
    const pid = spawn(resume === undefined ? { ref, to: inbox.pid } : { ref, to: inbox.pid, resume });
    await expectMessage(inbox, has({ type: '$started', ref, pid, outcome: 'ok' }));
    return pid;
  }

  async function askState(pid: Pid): Promise<HandoffAnswer> {
    const ref = makeRef();
    node.send(pid, { type: '$handoff', ref, replyTo: inbox.pid });
    return expectMessage<HandoffAnswer>(inbox, has({ ref }));
  }

  it('hands over what handoff carries; calls that arrive meanwhile go to the successor, which resumes from it; the old one ends as moved', async () => {
    const old = await startFromHere((info) => node.spawn(Tally.actor, info as never, 5));
    expect(await callFrom(node, old, 'inc')).toBe(6);

    const answer = await askState(old);
    expect(answer).toEqual({ type: '$handoff-state', ref: answer.ref, carried: { count: 6 } });
    // Made after the handoff began: the old server must not handle it.
    const pending = callFrom(node, old, 'inc');
    const successor = await startFromHere((info) => node.spawn(Tally.actor, info as never, 0), { carried: (answer as { carried: unknown }).carried });
    node.send(old, { type: '$handoff-to', ref: answer.ref, pid: successor });

    expect(await pending).toBe(7);
    expect(await callFrom(node, successor, 'get')).toEqual({ count: 7, resumed: true });
    node.send(old, { type: '$handoff-retire', ref: answer.ref });
    expect(await node.awaitExit(old)).toEqual({ shutdown: { movedTo: successor } } satisfies ExitReason);
    await expect(callFrom(node, old, 'inc')).rejects.toMatchObject({ reason: 'noproc' });
  });

  it('cancelled, the server goes on with its state and handles what arrived meanwhile', async () => {
    const pid = await startFromHere((info) => node.spawn(Tally.actor, info as never, 0));
    const answer = await askState(pid);
    expect(answer.type).toBe('$handoff-state');
    const pending = callFrom(node, pid, 'inc');
    node.send(pid, { type: '$handoff-cancel', ref: answer.ref });
    expect(await pending).toBe(1);
    expect(await callFrom(node, pid, 'get')).toEqual({ count: 1, resumed: false });
  });

  it('a state that cannot be copied is refused, and the server goes on', async () => {
    const pid = await startFromHere((info) => node.spawn(Unmovable.actor, info as never));
    const answer = await askState(pid);
    expect(answer.type).toBe('$handoff-refused');
    expect((answer as { reason: string }).reason).toMatch(/UncloneableError/);
    expect(await callFrom(node, pid, 'inc')).toBe(1);
  });

  it('a call follows a server that moved: the DOWN naming the successor comes first, the reply from the successor later', async () => {
    const successor = node.spawn(Holder.actor, null, 'from the successor');
    const mover = node.spawn(Mover, successor);
    const pending = callFrom(node, mover, 'anything');
    expect(await node.awaitExit(mover)).toEqual({ shutdown: { movedTo: successor } });
    castFrom(node, successor, 'release');
    expect(await pending).toBe('from the successor');
  });

  it('a call to a server that moved and whose successor then dies fails with the successor’s reason', async () => {
    const successor = node.spawn(Holder.actor, null, 'never sent');
    const mover = node.spawn(Mover, successor);
    const pending = callFrom(node, mover, 'anything');
    await node.awaitExit(mover);
    // Kill it once the call watches it (each check a round trip, bounded by the test's timeout).
    while ((await node.processInfo(successor))?.monitoredBy.length === 0);
    node.exit(successor, 'kill');
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).reason).toBe('killed');
  });
});
