/**
 * What a node's main thread does for other nodes' main threads: it answers,
 * on `strand.<cluster>.service.<n>` (NATS request/reply, main thread to main
 * thread: both ends hold the connection), a node that hands off its movable
 * servers (handoff.ts) or spawns a process here (`ClusterNode.spawnOn`).
 *
 * Contract: each request gets one reply.
 * - `{ op: 'load' }` → `{ movable }`, how many movable servers run here
 *   (placement.ts), or `{ refused }` once this node is stopping itself.
 * - `{ op: 'resume', actor, carried, name, revision }` → `{ pid }` of the
 *   server started here from `carried`, now holding `name`; or `{ error }`
 *   (the module or actor cannot be loaded here, `resume` failed, the name
 *   changed, or this node is stopping).
 * - `{ op: 'spawn', actor, args }` → `{ pid }` of a process started here
 *   as `runtime.spawn` starts one; `{ error }` if the actor's module
 *   cannot be loaded here; `{ refused }` once this node is stopping.
 * Requests and replies are encoded with `node:v8` (structured clone), as
 * messages between nodes are.
 */
import { deserialize, serialize } from 'node:v8';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ActorRef, Pid } from '@strand/core';
import { loadActor } from '@strand/core/runtime';
import type { Runtime } from '@strand/pool';
import type { MovableServers } from './movable-servers.js';

export type NodeServiceRequest =
  | { readonly op: 'load' }
  | { readonly op: 'resume'; readonly actor: ActorRef; readonly carried: unknown; readonly name: string; readonly revision: number }
  | { readonly op: 'spawn'; readonly actor: ActorRef; readonly args: readonly unknown[] };

export type NodeServiceReply = { readonly movable: number } | { readonly refused: string } | { readonly pid: Pid } | { readonly error: string };

export const serviceSubject = (cluster: string, node: number): string => `strand.${cluster}.service.${node}`;

export class NodeService {
  private stopping = false;

  constructor(
    nc: NatsConnection,
    cluster: string,
    node: number,
    private readonly movables: MovableServers,
    private readonly runtime: Runtime,
  ) {
    // Drained with the connection when the node stops.
    nc.subscribe(serviceSubject(cluster, node), {
      callback: (error, msg) => {
        if (error !== null) return;
        let request: NodeServiceRequest;
        try {
          request = deserialize(msg.data) as NodeServiceRequest;
        } catch {
          return; // not from a Strand node
        }
        void this.answer(request).then((reply) => msg.respond(serialize(reply)));
      },
    });
  }

  /** This node is leaving: it takes no more servers or processes. */
  refuse(): void {
    this.stopping = true;
  }

  private async answer(request: NodeServiceRequest): Promise<NodeServiceReply> {
    if (this.stopping) return { refused: 'this node is stopping' };
    if (request.op === 'load') return { movable: this.movables.count };
    try {
      if (request.op === 'spawn') return { pid: this.runtime.spawn(await loadActor(request.actor.module, request.actor.name), ...request.args) };
      return { pid: await this.movables.resume(request.actor, request.carried, request.name, request.revision) };
    } catch (error) {
      return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }
}

/** Asks node `node`'s service; a node that does not answer within `timeoutMs` (or has no service) gives `{ error }`. */
export async function askNode(nc: NatsConnection, cluster: string, node: number, request: NodeServiceRequest, timeoutMs: number): Promise<NodeServiceReply> {
  try {
    const reply = await nc.request(serviceSubject(cluster, node), serialize(request), { timeout: timeoutMs });
    return deserialize(reply.data) as NodeServiceReply;
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
