/**
 * The session counter: one process per session, found anywhere in the
 * cluster by its global name `session.NAME`, so a request for a session may
 * arrive at either node (no sticky load balancing).
 *
 * - `POST /session/:name/inc` increments it (starting it with 0 on this node
 *   if no node holds the name) and answers `{ session, count, node }`.
 * - `GET /session/:name` reads it; 404 (JSON) for a session never created.
 * - A name that is not 1 to 64 letters, digits, `_` or `-` is 400 (JSON).
 *
 * The session is an otp Server (`SessionCounter`). A handler process cannot
 * start a movable server itself (that takes the node's NATS connection, on
 * the main thread), so it asks the node's session starter
 * (session-starter.ts) through the protocol below.
 */
import { type Pid, type Ref, makeRef, receive, self, send, sleep, TIMEOUT } from '@strand/core';
import { whereisGlobal } from '@strand/cluster';
import { type HttpResponse, handler } from '@strand/http';
import { type Ask, type From, CallError, call, server } from '@strand/otp';

/** A session's name in the URL: short and safe to show. */
const SESSION_NAME = /^[\w-]{1,64}$/;
/**
 * How many times a request looks a session up again when its process ended
 * under the call (it was being handed to another node, or its node left):
 * with RETRY_PAUSE_MS, longer than a handoff takes on a loaded machine.
 */
const SESSION_ATTEMPTS = 40;
/** Pause before looking a session up again, in ms: a handoff takes a few NATS round trips. */
const RETRY_PAUSE_MS = 250;
/** How long a handler waits for the session starter, in ms: a start is a JetStream KV `create` or two. */
const START_TIMEOUT_MS = 10_000;

/** The local name of each node's session starter (an inbox on its main thread). */
export const SESSION_STARTER = 'cluster-demo.session-starter';

/** Asks the starter for the session `name`'s process: the holder if there is one, else a new one on this node. */
export interface SessionStartRequest {
  readonly $session: 'start';
  readonly name: string;
  readonly ref: Ref;
  readonly replyTo: Pid;
}

export type SessionStartReply = { readonly ref: Ref; readonly pid: Pid } | { readonly ref: Ref; readonly error: string };

/** What a session answers: its count, and the node that holds it now. */
export interface SessionCount {
  readonly count: number;
  readonly node: string;
}

type SessionCall = Ask<'inc', SessionCount> | Ask<'get', SessionCount>;

/** The global name of session `name`. */
export function sessionGlobalName(name: string): string {
  return `session.${name}`;
}

/** One session: a count, incremented by `inc`, read by `get`. */
export const SessionCounter = server(import.meta.url, 'SessionCounter', {
  init(count: number) {
    return { ok: count };
  },
  handleCall(request: SessionCall, _from: From, count: number) {
    const next = request === 'inc' ? count + 1 : count;
    // Each node's main.ts sets NODE_NAME, which its threads inherit.
    return { reply: { count: next, node: process.env.NODE_NAME ?? 'unnamed' }, state: next };
  },
});

export const SessionIncrement = handler(import.meta.url, 'SessionIncrement', function* (request) {
  const name = request.params.name ?? '';
  if (!SESSION_NAME.test(name)) return badName();
  return yield* askSession(name, 'inc');
});

export const SessionRead = handler(import.meta.url, 'SessionRead', function* (request) {
  const name = request.params.name ?? '';
  if (!SESSION_NAME.test(name)) return badName();
  return yield* askSession(name, 'get');
});

/**
 * Calls the session's process wherever it is. A call that fails because the
 * process ended first was not answered, so it is made again to whichever
 * process holds the name by then (the handed-off one).
 */
function* askSession(name: string, request: 'inc' | 'get'): Generator<unknown, HttpResponse, unknown> {
  for (let attempt = 1; ; attempt++) {
    const pid = request === 'inc' ? yield* holderOrNew(name) : yield* whereisGlobal(sessionGlobalName(name));
    if (pid === undefined) return json(404, { error: `no session ${JSON.stringify(name)}: POST /session/${name}/inc creates it` });
    try {
      const answer = (yield* call<SessionCount>(pid, request)) as SessionCount;
      return json(200, { session: name, ...answer });
    } catch (error) {
      if (!(error instanceof CallError) || attempt === SESSION_ATTEMPTS) throw error;
    }
    yield* sleep(RETRY_PAUSE_MS);
  }
}

/** The process holding session `name`, started on this node if none does. */
function* holderOrNew(name: string): Generator<unknown, Pid, unknown> {
  const held = yield* whereisGlobal(sessionGlobalName(name));
  if (held !== undefined) return held;
  const ref = makeRef();
  send(SESSION_STARTER, { $session: 'start', name, ref, replyTo: self() } satisfies SessionStartRequest);
  const answer = yield* receive((m: unknown) => typeof m === 'object' && m !== null && (m as SessionStartReply).ref === ref, START_TIMEOUT_MS);
  if (answer === TIMEOUT) throw new Error(`the session starter did not answer within ${START_TIMEOUT_MS} ms`);
  const reply = answer as SessionStartReply;
  if ('error' in reply) throw new Error(`session ${JSON.stringify(name)} could not be started: ${reply.error}`);
  return reply.pid;
}

function badName(): HttpResponse {
  return json(400, { error: 'a session name is 1 to 64 letters, digits, _ or -' });
}

/** A JSON answer, saying in `x-strand-node` which node served it (its handler's; `node` in the body is the session's holder). */
function json(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-strand-node': process.env.NODE_NAME ?? 'unnamed' }, body: JSON.stringify(value) };
}
