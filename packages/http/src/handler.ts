/**
 * Request handlers: actors that take a request value and return a response
 * value. The generator's return value is the response; it goes back to the
 * HTTP gateway that spawned the process, which writes it to the socket.
 *
 * ```ts
 * export const Hello = handler(import.meta.url, 'Hello', function* (request) {
 *   yield;                                   // handlers are processes: yield in long loops
 *   return { status: 200, body: `hello ${request.query.name ?? 'world'}` };
 * });
 * ```
 */
import { type Actor, type Pid, type Ref, actor, send } from '@strand/core';

/** What a handler gets: plain data, copied to the handler's thread. */
export interface HttpRequest {
  /** Unique per request; also in error logs. */
  readonly id: string;
  readonly method: string;
  /** The request target as sent, e.g. `/factorial?n=10`. */
  readonly url: string;
  /** The decoded path, e.g. `/factorial`. */
  readonly path: string;
  /** Query parameters; a repeated key keeps its last value. */
  readonly query: Readonly<Record<string, string>>;
  /** Route parameters (`/users/:id` → `{ id }`), decoded; empty without routes. */
  readonly params: Readonly<Record<string, string>>;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as UTF-8 text; empty when there is none. */
  readonly body: string;
}

/** What a handler returns. */
export interface HttpResponse {
  /** Default 200. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** The message a handler process sends its gateway. */
export interface ResponseMessage {
  readonly type: '$http-response';
  readonly ref: Ref;
  readonly response: HttpResponse;
}

/** A handler: an actor spawned with the gateway's pid, the request's ref and the request. */
export type Handler = Actor<readonly [Pid, Ref, HttpRequest]>;

/** Defines a handler; like `actor`, once, at module top level. */
export function handler(
  module: string,
  name: string,
  body: (request: HttpRequest) => Generator<unknown, HttpResponse, unknown>,
): Handler {
  return actor(module, name, function* (gateway: Pid, ref: Ref, request: HttpRequest) {
    const response = yield* body(request);
    const message: ResponseMessage = { type: '$http-response', ref, response };
    send(gateway, message);
  });
}
