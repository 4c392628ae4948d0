/**
 * Handoff: when a node leaves gracefully (`node.stop()`), each of its
 * movable servers moves, with its state and its global name, to another
 * live node before any process here ends.
 *
 * For each server, one after the other:
 * 1. It is asked for its state (otp's handoff protocol): it answers what
 *    its `handoff` callback gives (or its state) and takes no more work;
 *    calls and casts that reach it from then on wait in its mailbox.
 * 2. A successor node is picked (placement.ts: fewest movable servers,
 *    ties to the lowest number) and asked to start the same actor (same
 *    module URL and name: every node runs the same program) from that
 *    state; the successor takes the global name over at the revision this
 *    node wrote (atomic), so whoever resolves the name gets the new pid.
 *    A successor that fails is reported on stderr and the next is tried.
 * 3. The old server forwards what waited, and all that reaches it later,
 *    to the new pid; a call's reply goes from there straight to the caller.
 * After the last one, the old servers keep forwarding for
 * `HANDOFF_LINGER_MS`, for callers that resolved a name just before it
 * moved, then end with `{ shutdown: { movedTo } }` (a pending `call`
 * follows that to the successor); then the runtime stops.
 *
 * With no other live node, nothing moves: the servers end with the runtime
 * (`'shutdown'`), as every process does. A server that cannot move (its
 * state cannot be copied, no node could start it, it did not answer
 * within `HANDOFF_STATE_TIMEOUT_MS`) goes on serving here until the runtime
 * stops, with a line on stderr.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { type Pid, type Ref, TIMEOUT, formatPid, isDownMessage, makeRef } from '@strand/core';
import { nodeOf } from '@strand/core/runtime';
import { type HandoffAnswer, type HandoffDecision, type HandoffRequest, isHandoffAnswer } from '@strand/otp';
import type { Runtime } from '@strand/pool';
import type { GlobalNames } from './global-names.js';
import { type NodeServiceReply, type NodeServiceRequest, askNode } from './node-service.js';
import type { Movable, MovableServers } from './movable-servers.js';
import { successorsByLoad } from './placement.js';

/**
 * How long a server has to answer with its state, in ms. A server busy in
 * a long callback answers when it is done; ten seconds covers a slow one on
 * a loaded machine without holding a node's stop hostage to a stuck one.
 */
export const HANDOFF_STATE_TIMEOUT_MS = 10_000;

/**
 * How long another node has to say how many movable servers it runs, in
 * ms: one NATS round trip to its main thread; a node that does not answer
 * in three seconds on a loaded machine is not a good successor.
 */
export const PLACEMENT_QUERY_TIMEOUT_MS = 3_000;

/**
 * How long a successor node has to start a server and take its name, in
 * ms: loading a module, `resume`, and a KV update, on a loaded machine.
 */
export const HANDOFF_START_TIMEOUT_MS = 15_000;

/**
 * How long the old servers keep forwarding after the last one moved, in
 * ms, before the node stops: a caller that resolved a name just before it
 * moved still reaches a forwarder. Half a second covers a KV read and a
 * hop on a loaded machine, and adds that much to a node's stop.
 */
export const HANDOFF_LINGER_MS = 500;

/** What the handoff needs of its node. */
export interface HandoffParts {
  readonly nc: NatsConnection;
  readonly cluster: string;
  readonly runtime: Runtime;
  readonly names: GlobalNames;
  readonly movables: MovableServers;
  /** The other live nodes, by number. */
  readonly others: readonly number[];
  /** This node's name, for the lines on stderr. */
  readonly node: string;
}

/** Moves every movable server of this node (see the module comment); resolves once the old ones have ended. */
export async function handOffAll(parts: HandoffParts): Promise<void> {
  const servers = parts.movables.list();
  if (servers.length === 0 || parts.others.length === 0) return;
  const load = await loadOf(parts);
  if (load.size === 0) return;
  const forwarders: { readonly pid: Pid; readonly ref: Ref }[] = [];
  for (const server of servers) {
    const moved = await handOff(parts, server, load);
    if (moved !== undefined) forwarders.push(moved);
  }
  if (forwarders.length === 0) return;
  await new Promise((resolve) => setTimeout(resolve, HANDOFF_LINGER_MS));
  await Promise.all(
    forwarders.map(({ pid, ref }) => {
      parts.runtime.send(pid, { type: '$handoff-retire', ref } satisfies HandoffDecision);
      return parts.runtime.awaitExit(pid);
    }),
  );
}

/** Each other node's count of movable servers; nodes that do not answer, or are leaving too, are left out. */
async function loadOf(parts: HandoffParts): Promise<Map<number, number>> {
  const answers = await Promise.all(parts.others.map(async (node) => [node, await ask(parts, node, { op: 'load' })] as const));
  const load = new Map<number, number>();
  for (const [node, reply] of answers) if ('movable' in reply) load.set(node, reply.movable);
  return load;
}

/** Moves one server; returns the old pid, now forwarding, or undefined if it stays (or ended). */
async function handOff(parts: HandoffParts, server: Movable, load: Map<number, number>): Promise<{ pid: Pid; ref: Ref } | undefined> {
  const { runtime } = parts;
  const ref = makeRef();
  const inbox = runtime.inbox();
  let answer: HandoffAnswer | undefined;
  try {
    const watch = inbox.monitor(server.pid);
    runtime.send(server.pid, { type: '$handoff', ref, replyTo: inbox.pid } satisfies HandoffRequest);
    const got = await inbox.receive((m: unknown) => isHandoffAnswer(m, ref) || (isDownMessage(m) && m.ref === watch), HANDOFF_STATE_TIMEOUT_MS);
    if (got === TIMEOUT) {
      runtime.send(server.pid, { type: '$handoff-cancel', ref } satisfies HandoffDecision);
      return stays(parts, server, `it did not give its state within ${HANDOFF_STATE_TIMEOUT_MS} ms`);
    }
    if (isDownMessage(got)) return undefined;
    answer = got as HandoffAnswer;
  } finally {
    inbox.close();
  }
  if (answer.type === '$handoff-refused') return stays(parts, server, `it could not give its state (${answer.reason})`);
  const revision = parts.names.heldAt(server.name);
  const failures: string[] = [];
  if (revision !== undefined) {
    for (const node of successorsByLoad(load)) {
      const reply = await ask(parts, node, { op: 'resume', actor: server.actor, carried: answer.carried, name: server.name, revision });
      const successor = 'pid' in reply ? reply.pid : await movedThereAnyway(parts, server.name, node);
      if (successor === undefined) {
        failures.push(`node ${node}: ${'error' in reply ? reply.error : 'refused' in reply ? reply.refused : 'no answer'}`);
        continue;
      }
      load.set(node, (load.get(node) ?? 0) + 1);
      parts.movables.moved(server.pid);
      runtime.send(server.pid, { type: '$handoff-to', ref, pid: successor } satisfies HandoffDecision);
      return { pid: server.pid, ref };
    }
  } else {
    failures.push('this node no longer holds its name');
  }
  runtime.send(server.pid, { type: '$handoff-cancel', ref } satisfies HandoffDecision);
  return stays(parts, server, failures.join('; '));
}

/** A successor that did not answer in time may still have taken the name: then the server is there. */
async function movedThereAnyway(parts: HandoffParts, name: string, node: number): Promise<Pid | undefined> {
  const holder = await parts.names.whereis(name).catch(() => undefined);
  return holder !== undefined && nodeOf(holder) === node ? holder : undefined;
}

function stays(parts: HandoffParts, server: Movable, why: string): undefined {
  process.stderr.write(
    `[strand] node ${parts.node}: movable server ${formatPid(server.pid)} (${JSON.stringify(server.name)}) could not move: ${why}; it runs here until this node stops\n`,
  );
  return undefined;
}

function ask(parts: HandoffParts, node: number, request: NodeServiceRequest): Promise<NodeServiceReply> {
  return askNode(parts.nc, parts.cluster, node, request, request.op === 'load' ? PLACEMENT_QUERY_TIMEOUT_MS : HANDOFF_START_TIMEOUT_MS);
}
