/**
 * The successor's side of a handoff: each node's main thread answers, on
 * `strand.<cluster>.handoff.<n>` (NATS request/reply, main thread to main
 * thread: both ends hold the connection), the node that is leaving.
 *
 * Contract: each request gets one reply.
 * - `{ op: 'load' }` → `{ movable }`, how many movable servers run here
 *   (placement.ts), or `{ refused }` once this node is stopping itself.
 * - `{ op: 'resume', actor, carried, name, revision }` → `{ pid }` of the
 *   server started here from `carried`, now holding `name`; or `{ error }`
 *   (the module or actor cannot be loaded here, `resume` failed, the name
 *   changed, or this node is stopping).
 * Requests and replies are encoded with `node:v8` (structured clone), as
 * messages between nodes are.
 */
import { deserialize, serialize } from 'node:v8';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ActorRef, Pid } from '@strand/core';
import type { MovableServers } from './movable-servers.js';

export type HandoffServiceRequest =
  | { readonly op: 'load' }
  | { readonly op: 'resume'; readonly actor: ActorRef; readonly carried: unknown; readonly name: string; readonly revision: number };

export type HandoffServiceReply = { readonly movable: number } | { readonly refused: string } | { readonly pid: Pid } | { readonly error: string };

export const handoffSubject = (cluster: string, node: number): string => `strand.${cluster}.handoff.${node}`;

export class HandoffService {
  private stopping = false;

  constructor(
    nc: NatsConnection,
    cluster: string,
    node: number,
    private readonly movables: MovableServers,
  ) {
    // Drained with the connection when the node stops.
    nc.subscribe(handoffSubject(cluster, node), {
      callback: (error, msg) => {
        if (error !== null) return;
        let request: HandoffServiceRequest;
        try {
          request = deserialize(msg.data) as HandoffServiceRequest;
        } catch {
          return; // not from a Strand node
        }
        void this.answer(request).then((reply) => msg.respond(serialize(reply)));
      },
    });
  }

  /** This node is leaving: it takes no more servers. */
  refuse(): void {
    this.stopping = true;
  }

  private async answer(request: HandoffServiceRequest): Promise<HandoffServiceReply> {
    if (this.stopping) return { refused: 'this node is stopping' };
    if (request.op === 'load') return { movable: this.movables.count };
    try {
      return { pid: await this.movables.resume(request.actor, request.carried, request.name, request.revision) };
    } catch (error) {
      return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }
}
