import { afterEach, describe, expect, it } from 'vitest';
import {
  type Inbox,
  InvalidOptionError,
  InvalidPidError,
  type Pid,
  TIMEOUT,
  type TraceEvent,
  isTraceEvent,
} from '@strand/core';
import { Agent, ask } from './fixtures/faults.js';
import { type TestNode, startNode } from './harness.js';

// Tracing a process (recon_trace's count form): its receives, sends, spawns
// and end reach the tracer in order, at most `limit` of them, then 'end'.

let node: TestNode;
let inbox: Inbox;
let tracer: Inbox;

afterEach(() => node?.stop());

async function start(): Promise<Pid> {
  node = await startNode({ onCrash: () => {} });
  inbox = node.inbox();
  tracer = node.inbox();
  const agent = node.spawn(Agent, inbox.pid);
  await ask(node, inbox, agent, { op: 'ping' });
  return agent;
}

/** Trace events until (and with) the 'end'. */
async function eventsUntilEnd(): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for (;;) {
    const event = await tracer.receive(isTraceEvent);
    events.push(event);
    if (event.event === 'end') return events;
  }
}

/** What each event says, without its time. */
const shape = (e: TraceEvent): unknown => {
  const { at, ...rest } = e;
  expect(typeof at).toBe('number');
  return rest;
};

describe('trace', () => {
  it("sends the tracer what a process receives and sends, what it spawns and how it ends, in order", async () => {
    const agent = await start();
    node.trace(agent, { tracer: tracer.pid });
    await ask(node, inbox, agent, { op: 'ping' });
    const spawned = await ask<{ pid: Pid }>(node, inbox, agent, { op: 'spawn', actor: 'Returner' });
    node.send(agent, { op: 'return' });
    const events = await eventsUntilEnd();
    expect(events.map(shape)).toEqual([
      { type: 'trace', pid: agent, event: 'receive', message: { op: 'ping' } },
      { type: 'trace', pid: agent, event: 'send', to: inbox.pid, message: { from: agent, op: 'ping' } },
      { type: 'trace', pid: agent, event: 'receive', message: { op: 'spawn', actor: 'Returner' } },
      { type: 'trace', pid: agent, event: 'spawn', child: spawned.pid, actor: 'Returner' },
      { type: 'trace', pid: agent, event: 'send', to: inbox.pid, message: { from: agent, op: 'spawn', pid: spawned.pid } },
      { type: 'trace', pid: agent, event: 'receive', message: { op: 'return' } },
      { type: 'trace', pid: agent, event: 'exit', reason: 'normal' },
      { type: 'trace', pid: agent, event: 'end', reason: 'normal' },
    ]);
  });

  it("stops after `limit` events with an 'end' saying so, and sends nothing more", async () => {
    const agent = await start();
    node.trace(agent, { tracer: tracer.pid, limit: 3 });
    await ask(node, inbox, agent, { op: 'ping' });
    await ask(node, inbox, agent, { op: 'ping' });
    expect((await eventsUntilEnd()).map((e) => e.event)).toEqual(['receive', 'send', 'receive', 'end']);
    // Two more round trips: any event sent meanwhile would have reached the tracer before them.
    await ask(node, inbox, agent, { op: 'ping' });
    await ask(node, inbox, agent, { op: 'ping' });
    expect(await tracer.receive(isTraceEvent, 0)).toBe(TIMEOUT);
  });

  it("limit 0 stops a trace ('end', stopped); a pid that is not alive answers 'end', noproc", async () => {
    const agent = await start();
    node.trace(agent, { tracer: tracer.pid, limit: 50 });
    await ask(node, inbox, agent, { op: 'ping' });
    node.trace(agent, { tracer: tracer.pid, limit: 0 });
    expect((await eventsUntilEnd()).map((e) => [e.event, 'reason' in e ? e.reason : undefined])).toEqual([
      ['receive', undefined],
      ['send', undefined],
      ['end', 'stopped'],
    ]);
    const exited = node.awaitExit(agent);
    node.send(agent, { op: 'return' });
    await exited;
    node.trace(agent, { tracer: tracer.pid });
    expect(shape(await tracer.receive(isTraceEvent))).toEqual({ type: 'trace', pid: agent, event: 'end', reason: 'noproc' });
  });

  it('bad input is a typed error, and the runtime keeps running', async () => {
    const agent = await start();
    expect(() => node.trace(1.5 as Pid, { tracer: tracer.pid })).toThrow(InvalidPidError);
    expect(() => node.trace(agent, { tracer: 'x' as unknown as Pid })).toThrow(InvalidPidError);
    for (const limit of [-1, 2.5, 1e9]) expect(() => node.trace(agent, { tracer: tracer.pid, limit })).toThrow(InvalidOptionError);
    expect(await ask(node, inbox, agent, { op: 'ping' })).toEqual({ from: agent, op: 'ping' });
  });
});
