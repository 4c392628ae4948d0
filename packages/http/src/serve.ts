/**
 * `serve()`: a `node:http` server on the main thread in which every
 * request is handled by a freshly spawned process on the least-loaded
 * scheduler: one `handler` for every request, or `routes` by method and
 * path (404 and 405 answered without a process).
 *
 * How each request is settled is the gateway's contract (gateway.ts); this
 * module adds what a server of its own needs: the listener, Node's slow
 * client timeouts (408), a graceful stop, and `streams`: paths answered on
 * the main thread by a plain Node listener, for responses that never end
 * (server-sent events), which a handler's single response value cannot carry.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { InvalidOptionError, isActor } from '@strand/core';
import type { Runtime } from '@strand/pool';
import type { Handler } from './handler.js';
import { type ErrorReport, Gateway, type GatewayOptions } from './gateway.js';
import { DEFAULT_BODY_LIMIT_BYTES, type ReadRequest, readNodeRequest } from './node-exchange.js';
import { Router } from './router.js';
import { CLIENT_CLOSED_REQUEST } from './fetch-adapter.js';

/** Time a client has to send its headers (ms): Node's default is 60 s, too generous for slow-loris. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send a whole request (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Answers a stream path on the main thread, as `node:http` would: it writes
 * to `res` for as long as it likes and cleans up on `res`'s `'close'`.
 */
export type StreamListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface ServeOptions extends GatewayOptions {
  readonly runtime: Runtime;
  /** Runs every request; give this or `routes`. */
  readonly handler?: Handler;
  /** Runs each request by method and path; give this or `handler`. */
  readonly routes?: Router;
  /** Exact paths (any method, any query) answered by a listener on the main thread instead of a process. */
  readonly streams?: Readonly<Record<string, StreamListener>>;
  /** Default 0: a free port (read it from `server.port`). */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  readonly bodyLimitBytes?: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * Told once per request (not `streams`, which last as long as their
   * client), however it was answered (by a handler, by the server itself)
   * or left by its client, once it is over: for metrics
   * (`observer.recordHttpRequest`). Runs on the main thread; what it throws
   * is logged on stderr and changes nothing.
   */
  readonly onRequestEnd?: (end: RequestEnd) => void;
}

/** One finished request, as `onRequestEnd` is told of it. */
export interface RequestEnd {
  readonly method: string;
  /** The pattern of the route that ran it (`/users/:id`); undefined when none did (404, 405, 400, 413, 503, or `serve({ handler })`). */
  readonly route: string | undefined;
  /** The status sent; `CLIENT_CLOSED_REQUEST` (499) when the client went away before it. */
  readonly status: number;
  /** From the request's arrival to the end of its response (or the client's leaving), in seconds. */
  readonly seconds: number;
}

export type { ErrorReport };

export class HttpServer {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly gateway: Gateway,
  ) {}

  /** Starts listening; resolves once the port is bound. */
  static async start(options: ServeOptions): Promise<HttpServer> {
    const dispatch = dispatcher(options);
    const streams = streamsOf(options.streams);
    const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const server = createServer({
      headersTimeout,
      requestTimeout,
      // Node checks both timeouts only this often (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.min(headersTimeout, requestTimeout) / 2)),
    });
    const gateway = new Gateway(options.runtime, options);
    const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const stream = streams.get((req.url ?? '').split('?', 1)[0]!);
      if (stream !== undefined) {
        stream(req, res);
        return;
      }
      const matched: Matched = { route: undefined };
      if (options.onRequestEnd !== undefined) timeRequest(req, res, matched, options.onRequestEnd);
      readNodeRequest(gateway, req, res, bodyLimit, (read) => dispatch(gateway, read, matched));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return new HttpServer(server, gateway);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.gateway.inFlight;
  }

  /** Requests run again because their process was lost with its thread. */
  get retries(): number {
    return this.gateway.retries;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish for up to
   * `timeoutMs`, then kills their handlers (answered 503) and closes every
   * connection (open streams included).
   */
  stop(timeoutMs = 5_000): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      await this.gateway.stop(timeoutMs);
      this.server.closeAllConnections();
      await closed;
    })();
    return this.stopping;
  }
}

/** Starts an HTTP server whose requests are handled by processes of `runtime`. */
export function serve(options: ServeOptions): Promise<HttpServer> {
  return HttpServer.start(options);
}

/** The stream listeners by path. Throws for a path that is not a path or a listener that is not a function. */
function streamsOf(streams: ServeOptions['streams']): Map<string, StreamListener> {
  if (streams === undefined) return new Map();
  if (typeof streams !== 'object' || streams === null) throw new InvalidOptionError('streams', streams, 'an object of path → listener');
  for (const [path, listener] of Object.entries(streams)) {
    if (!path.startsWith('/') || path.includes('?')) throw new InvalidOptionError('streams', path, "paths starting with '/', without a query");
    if (typeof listener !== 'function') throw new InvalidOptionError(`streams['${path}']`, listener, 'a function (req, res) => void');
  }
  return new Map(Object.entries(streams));
}

/** The route a request matched, once dispatched. */
interface Matched {
  route: string | undefined;
}

type Dispatch = (gateway: Gateway, read: ReadRequest, matched: Matched) => void;

/** Calls `onRequestEnd` once `res` closes: sent in full (its status) or not (the client left first: 499). */
function timeRequest(req: IncomingMessage, res: ServerResponse, matched: Matched, onRequestEnd: (end: RequestEnd) => void): void {
  const arrived = performance.now();
  res.once('close', () => {
    const end: RequestEnd = {
      method: req.method ?? 'GET',
      route: matched.route,
      status: res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST,
      seconds: (performance.now() - arrived) / 1_000,
    };
    try {
      onRequestEnd(end);
    } catch (error) {
      process.stderr.write(`[strand/http] onRequestEnd threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  });
}

/** How a read request finds its handler: the one handler, or the routes. Throws for a bad choice. */
function dispatcher(options: ServeOptions): Dispatch {
  const { handler, routes } = options;
  if ((handler === undefined) === (routes === undefined)) {
    throw new InvalidOptionError('handler', handler, 'exactly one of `handler` (every request) or `routes` (a router())');
  }
  if (handler !== undefined) {
    if (!isActor(handler)) throw new InvalidOptionError('handler', handler, 'a handler made by handler(import.meta.url, name, function* ...)');
    return (gateway, { exchange, request }) => gateway.run(exchange, request, handler);
  }
  if (!(routes instanceof Router)) throw new InvalidOptionError('routes', routes, 'routes made by router()');
  return (gateway, { exchange, request, rawPath }, matched) => {
    const match = routes.match(request.method, rawPath);
    if (match.found) {
      matched.route = match.pattern;
      gateway.run(exchange, { ...request, params: match.params }, match.handler, match.retryable);
      return;
    }
    if (match.status === 404) {
      gateway.answer(exchange, { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' });
      return;
    }
    gateway.answer(exchange, {
      status: 405,
      headers: { 'content-type': 'text/plain', allow: match.allow.join(', ') },
      body: `method not allowed; allowed: ${match.allow.join(', ')}\n`,
    });
  };
}
