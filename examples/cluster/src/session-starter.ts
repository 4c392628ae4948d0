/**
 * Each node's session starter: an inbox on the main thread, registered
 * locally as `SESSION_STARTER`, that starts session processes for the
 * request handlers (sessions.ts). Starting one is the node's job because a
 * movable server is started through the node's NATS connection.
 *
 * Contract: each `SessionStartRequest` gets one `SessionStartReply`, the pid
 * of the process that holds the session's global name: the one just started
 * on this node, or the holder that won the name first (of two nodes racing
 * to create a session, exactly one starts it).
 */
import type { Pid } from '@strand/core';
import type { ClusterNode } from '@strand/cluster';
import { SESSION_STARTER, SessionCounter, type SessionStartReply, type SessionStartRequest, sessionGlobalName } from './sessions.js';

const isStartRequest = (m: unknown): m is SessionStartRequest =>
  typeof m === 'object' && m !== null && (m as SessionStartRequest).$session === 'start' && typeof (m as SessionStartRequest).name === 'string';

/** Serves session starts for `node`'s handlers until its runtime stops. */
export function serveSessionStarts(node: ClusterNode): void {
  const rt = node.runtime;
  const inbox = rt.inbox();
  rt.register(SESSION_STARTER, inbox.pid);
  void (async () => {
    for (;;) {
      const request = await inbox.receive();
      if (typeof request === 'symbol') return; // TIMEOUT: the inbox closed with the runtime
      if (!isStartRequest(request)) continue;
      startSession(node, request.name).then(
        (pid) => rt.send(request.replyTo, { ref: request.ref, pid } satisfies SessionStartReply),
        (error: unknown) => rt.send(request.replyTo, { ref: request.ref, error: error instanceof Error ? error.message : String(error) } satisfies SessionStartReply),
      );
    }
  })();
}

/**
 * Starts session `name` with count 0 as a movable server under its global
 * name, so that when this node stops gracefully it moves, count and name,
 * to another node. Resolves with the holder: this start's, or the one that
 * was there first.
 */
async function startSession(node: ClusterNode, name: string): Promise<Pid> {
  const { pid } = await node.startMovable(SessionCounter, [0], { name: sessionGlobalName(name) });
  return pid;
}
