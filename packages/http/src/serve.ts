/**
 * `serve()`: a `node:http` server on the main thread in which every request
 * is handled by a freshly spawned process on the least-loaded scheduler.
 *
 * Per request, the gateway (one inbox on the main thread) spawns the
 * handler, monitors it, and settles the request exactly once:
 *
 * | what happens | answer |
 * |---|---|
 * | the handler returns a response | that response |
 * | the handler throws (or returns something that is not a response) | 500 with an error id, logged with the stack |
 * | the handler runs past `deadlineMs` | it is killed; 504 |
 * | the client goes away first | the handler is killed (its CPU is freed at once); nothing to answer |
 * | `maxInFlight` requests are already running | 503 with `Retry-After`, no process spawned |
 * | a body over `bodyLimitBytes` | 413, no process spawned |
 * | a target that is not a valid URL path | 400, no process spawned |
 * | the server is stopping | in-flight requests finish within the stop timeout, then are killed: 503 |
 *
 * Slow clients are cut off by Node itself (`headersTimeoutMs`, `requestTimeoutMs`: 408).
 * Nothing a handler does reaches other requests: a crash is contained in its process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nanoid } from 'nanoid';
import {
  type ExitReason,
  type Inbox,
  type Pid,
  type Ref,
  StrandError,
  TIMEOUT,
  isDownMessage,
  makeRef,
} from '@strand/core';
import type { Runtime } from '@strand/pool';
import type { Handler, HttpRequest, HttpResponse, ResponseMessage } from './handler.js';

/** Largest request body accepted by default: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
/** Requests handled at once by default before new ones get 503. */
export const DEFAULT_MAX_IN_FLIGHT = 1_000;
/** A handler running longer than this (ms) is killed and answered 504. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** Time a client has to send its headers (ms): Node's default is 60 s, too generous for slow-loris. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send a whole request (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** What `Retry-After` says on a 503 for overload, in seconds. */
export const RETRY_AFTER_S = 1;

export interface ServeOptions {
  readonly runtime: Runtime;
  readonly handler: Handler;
  /** Default 0: a free port (read it from `server.port`). */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  readonly bodyLimitBytes?: number;
  readonly maxInFlight?: number;
  readonly deadlineMs?: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Where 500s are logged with their error id. Default: stderr. */
  readonly onError?: (report: { readonly errorId: string; readonly request: HttpRequest; readonly reason: ExitReason | string }) => void;
}

interface Pending {
  readonly request: HttpRequest;
  readonly res: ServerResponse;
  pid: Pid | undefined;
  monitor: Ref | undefined;
  deadline: ReturnType<typeof setTimeout> | undefined;
  /** Set once answered (or the client left): later events for it are ignored. */
  settled: boolean;
}

export class HttpServer {
  private readonly pending = new Map<Ref, Pending>();
  private readonly byMonitor = new Map<Ref, Ref>();
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly gateway: Inbox,
    private readonly options: ServeOptions,
  ) {}

  /** Starts listening; resolves once the port is bound. */
  static async start(options: ServeOptions): Promise<HttpServer> {
    const gateway = options.runtime.inbox();
    const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const server = createServer({
      headersTimeout,
      requestTimeout,
      // Node checks both timeouts only this often (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.min(headersTimeout, requestTimeout) / 2)),
    });
    const http = new HttpServer(server, gateway, options);
    server.on('request', (req, res) => http.accept(req, res));
    void http.dispatch();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return http;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish for up to
   * `timeoutMs`, then kills their handlers (answered 503) and closes every
   * connection.
   */
  stop(timeoutMs = 5_000): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      const deadline = Date.now() + timeoutMs;
      while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const [ref, p] of this.pending) this.finish(ref, p, { status: 503, body: 'server stopping' }, true);
      this.server.closeAllConnections();
      await closed;
      this.gateway.close();
    })();
    return this.stopping;
  }

  private accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.stopping !== undefined) res.setHeader('connection', 'close');
    const maxInFlight = this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (this.pending.size >= maxInFlight) {
      req.resume();
      res.writeHead(503, { 'retry-after': String(RETRY_AFTER_S), 'content-type': 'text/plain' }).end('overloaded\n');
      return;
    }
    let target: URL;
    try {
      const raw = req.url ?? '';
      if (!raw.startsWith('/')) throw new TypeError('not an origin-form target');
      // Prefixed, not resolved against a base: '//host/path' is a path here, not a host.
      target = new URL(`http://localhost${raw}`);
      decodeURIComponent(target.pathname);
    } catch {
      req.resume();
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request target\n');
      return;
    }
    const limit = this.options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('body too large\n');
      req.destroy();
      return;
    }
    const ref = makeRef();
    const pending: Pending = {
      request: undefined as unknown as HttpRequest,
      res,
      pid: undefined,
      monitor: undefined,
      deadline: undefined,
      settled: false,
    };
    // Counted from the first byte: a request reading its body already holds a place.
    this.pending.set(ref, pending);
    res.on('close', () => {
      if (!pending.settled) this.clientGone(ref, pending);
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        this.finish(ref, pending, { status: 413, headers: { connection: 'close' }, body: 'body too large\n' }, false);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (pending.settled) return;
      const request: HttpRequest = {
        id: nanoid(12),
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: decodeURIComponent(target.pathname),
        query: Object.fromEntries(target.searchParams),
        headers: headersOf(req),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      (pending as { request: HttpRequest }).request = request;
      this.spawn(ref, pending);
    });
  }

  private spawn(ref: Ref, pending: Pending): void {
    const { runtime, handler } = this.options;
    let pid: Pid;
    try {
      pid = runtime.spawn(handler, this.gateway.pid, ref, pending.request);
    } catch (error) {
      this.fail(ref, pending, error instanceof StrandError ? `${error.code}: ${error.message}` : String(error));
      return;
    }
    pending.pid = pid;
    pending.monitor = this.gateway.monitor(pid);
    this.byMonitor.set(pending.monitor, ref);
    const deadlineMs = this.options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    pending.deadline = setTimeout(() => this.finish(ref, pending, { status: 504, body: 'handler deadline exceeded\n' }, true), deadlineMs);
  }

  /** Reads the gateway's mailbox: responses and the DOWNs of handler processes. */
  private async dispatch(): Promise<void> {
    for (;;) {
      const message = await this.gateway.receive();
      if (message === TIMEOUT) return;
      try {
        this.handle(message);
      } catch (error) {
        // Nothing one request brings (a reporter that throws…) may stop the gateway serving the others.
        process.stderr.write(`[strand/http] gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
    }
  }

  private handle(message: unknown): void {
    if (isDownMessage(message)) {
      const ref = this.byMonitor.get(message.ref);
      this.byMonitor.delete(message.ref);
      const pending = ref === undefined ? undefined : this.pending.get(ref);
      // Ended without answering: a crash, or a normal end without a response.
      if (pending !== undefined && ref !== undefined && !pending.settled) this.fail(ref, pending, message.reason);
      return;
    }
    const response = message as ResponseMessage;
    if (response.type !== '$http-response') return;
    const pending = this.pending.get(response.ref);
    if (pending === undefined || pending.settled) return;
    if (!isResponse(response.response)) {
      this.fail(response.ref, pending, `handler returned something that is not a response: ${describe(response.response)}`);
      return;
    }
    this.finish(response.ref, pending, response.response, false);
  }

  private fail(ref: Ref, pending: Pending, reason: ExitReason | string): void {
    const errorId = nanoid(10);
    const report = { errorId, request: pending.request, reason };
    if (this.options.onError !== undefined) {
      try {
        this.options.onError(report);
      } catch {
        // A failing reporter must not leave the request unanswered.
      }
    } else {
      const detail = typeof reason === 'object' && 'error' in reason ? (reason.error.stack ?? reason.error.message) : JSON.stringify(reason);
      process.stderr.write(`[strand/http] 500 ${errorId} ${pending.request?.method} ${pending.request?.url}: ${detail}\n`);
    }
    this.finish(ref, pending, { status: 500, headers: { 'content-type': 'text/plain' }, body: `internal error ${errorId}\n` }, false);
  }

  private clientGone(ref: Ref, pending: Pending): void {
    pending.settled = true;
    this.release(ref, pending, true);
  }

  /** Answers once, releases the request's place, and kills the handler if it is still running. */
  private finish(ref: Ref, pending: Pending, response: HttpResponse, kill: boolean): void {
    if (pending.settled) return;
    pending.settled = true;
    this.release(ref, pending, kill);
    const res = pending.res;
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...(response.headers ?? {}) };
    if (this.stopping !== undefined) headers.connection = 'close';
    try {
      res.writeHead(response.status ?? 200, headers).end(response.body ?? '');
    } catch (error) {
      // Node refused the response (an invalid header name or value): the handler's fault, a 500.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      pending.settled = false;
      this.fail(ref, pending, `the response could not be written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private release(ref: Ref, pending: Pending, kill: boolean): void {
    this.pending.delete(ref);
    if (pending.deadline !== undefined) clearTimeout(pending.deadline);
    if (pending.monitor !== undefined) {
      this.byMonitor.delete(pending.monitor);
      this.gateway.demonitor(pending.monitor);
    }
    if (kill && pending.pid !== undefined) this.options.runtime.exit(pending.pid, 'kill');
  }
}

/** Starts an HTTP server whose requests are handled by processes of `runtime`. */
export function serve(options: ServeOptions): Promise<HttpServer> {
  return HttpServer.start(options);
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function isResponse(value: unknown): value is HttpResponse {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as HttpResponse;
  if (r.status !== undefined && !(Number.isInteger(r.status) && r.status >= 100 && r.status <= 599)) return false;
  if (r.body !== undefined && typeof r.body !== 'string' && !(r.body instanceof Uint8Array)) return false;
  if (r.headers !== undefined && (typeof r.headers !== 'object' || r.headers === null)) return false;
  return true;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
