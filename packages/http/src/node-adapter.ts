/**
 * A Strand handler as a route of an existing Node application: Express
 * (tested here), or anything that hands out `node:http` requests. The route's requests each run in a process,
 * with the gateway's contract (gateway.ts): 500 with an error id on a crash,
 * 504 past the deadline, 503 over `maxInFlight`, the process killed when the
 * client goes away.
 *
 * ```ts
 * const users = strandHandler(rt, GetUser);
 * app.get('/users/:id', users);                                      // Express: req.params reach request.params
 * http.createServer(users);                                          // plain node:http: every request
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionError, isActor } from '@strand/core';
import type { Runtime } from '@strand/pool';
import type { Handler } from './handler.js';
import { Gateway, type GatewayOptions } from './gateway.js';
import { DEFAULT_BODY_LIMIT_BYTES, readNodeRequest } from './node-exchange.js';

export interface AdapterOptions extends GatewayOptions {
  readonly bodyLimitBytes?: number;
}

/**
 * A Node request listener. The third argument is the route's parameters
 * when it is a plain object (Fastify's `request.params`); Express passes
 * `next` there and its parameters on `req.params`. `stop` lets in-flight
 * requests finish (up to `timeoutMs`), then kills them (503).
 */
export interface StrandNodeHandler {
  (req: IncomingMessage, res: ServerResponse, paramsOrNext?: unknown): void;
  stop(timeoutMs?: number): Promise<void>;
}

export function strandHandler(runtime: Runtime, handler: Handler, options: AdapterOptions = {}): StrandNodeHandler {
  if (!isActor(handler)) throw new InvalidOptionError('handler', handler, 'a handler made by handler(import.meta.url, name, function* ...)');
  const gateway = new Gateway(runtime, options);
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const listener = (req: IncomingMessage, res: ServerResponse, paramsOrNext?: unknown): void => {
    const given = isParams(paramsOrNext) ? paramsOrNext : ((req as IncomingMessage & { params?: Record<string, unknown> }).params ?? {});
    readNodeRequest(gateway, req, res, bodyLimit, ({ exchange, request }) =>
      gateway.run(exchange, { ...request, params: stringsOf(given) }, handler),
    );
  };
  return Object.assign(listener, { stop: (timeoutMs = 5_000) => gateway.stop(timeoutMs) });
}

function isParams(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

/** The string-valued parameters (frameworks may add others). */
export function stringsOf(params: Readonly<Record<string, unknown>>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) if (typeof value === 'string') strings[key] = value;
  return strings;
}
