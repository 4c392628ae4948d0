/**
 * The gateway: what every front door (`serve`'s node:http server, the
 * Node adapter for Express and Fastify, the fetch adapter for Hono) shares
 * to run one request in one process and settle it exactly once.
 *
 * Per request, a front door `open`s an exchange (it holds a place from the
 * first byte: `maxInFlight` places, then 503), reads the request, and
 * `run`s it with a handler: the gateway spawns the handler on the
 * least-loaded scheduler, monitors it, and arms its deadline. Then exactly
 * one of these settles it:
 *
 * | what happens | answer |
 * |---|---|
 * | the handler returns a response | that response |
 * | the handler throws, ends without a response, or returns something else | 500 with an error id, reported to `onError` |
 * | the deadline passes | the handler is killed; 504 |
 * | the client goes away (`gone`) | the handler is killed; nothing to answer |
 * | the gateway stops | in-flight handlers finish until the stop timeout, then are killed: 503 |
 * | the handler's thread was lost (`'noconnection'`: another process stalled it or ran it out of memory) | run again, on another thread (up to `RETRIES_ON_LOST_THREAD` times), when the request is retryable (GET, HEAD, or a route marked so); else 500 |
 *
 * The gateway is one inbox on the main thread: responses and the monitors'
 * DOWNs arrive there. A front door only translates between its framework's
 * request and response types and `HttpRequest` / `HttpResponse`.
 */
import { nanoid } from 'nanoid';
import { type ExitReason, type Inbox, type Pid, type Ref, StrandError, TIMEOUT, isDownMessage, makeRef } from '@strand/core';
import type { Runtime } from '@strand/pool';
import type { Handler, HttpRequest, HttpResponse, ResponseMessage } from './handler.js';

/** Requests handled at once by default before new ones get 503. */
export const DEFAULT_MAX_IN_FLIGHT = 1_000;
/** A handler running longer than this (ms) is killed and answered 504. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** What `Retry-After` says on a 503 for overload, in seconds. */
export const RETRY_AFTER_S = 1;

/** What a 500 reports: its error id (also in the response), the request, and why. */
export interface ErrorReport {
  readonly errorId: string;
  readonly request: HttpRequest;
  readonly reason: ExitReason | string;
}

export interface GatewayOptions {
  readonly maxInFlight?: number;
  readonly deadlineMs?: number;
  /** Where 500s are reported with their error id. Default: a line on stderr. */
  readonly onError?: (report: ErrorReport) => void;
}

/** How a front door answers: it may throw if its framework refuses the response (then the answer is a 500). */
export type Respond = (response: HttpResponse) => void;

/** One request in the gateway, from its first byte until it is settled. */
export interface Exchange {
  readonly ref: Ref;
  request: HttpRequest | undefined;
  pid: Pid | undefined;
  monitor: Ref | undefined;
  deadline: ReturnType<typeof setTimeout> | undefined;
  /** Set once answered (or the client left): later events for it are ignored. */
  settled: boolean;
  readonly respond: Respond;
  handler: Handler | undefined;
  /** Runs it may still have if its thread is lost (0: none). */
  retriesLeft: number;
}

/** Methods safe to run twice: a request whose process was lost with its thread runs again. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * How many times a retryable request runs again when its thread is lost
 * under it. More than once: two threads can be lost together (a stall and
 * an out-of-memory, or one thread starved past the watchdog on a loaded
 * machine), and a request retried onto the second would fail through no
 * fault of its own. Bounded all the same; and the process that stalled a
 * thread ends with its own reason, not `'noconnection'`, so it is never
 * run again.
 */
export const RETRIES_ON_LOST_THREAD = 3;

export const OVERLOADED: HttpResponse = {
  status: 503,
  headers: { 'retry-after': String(RETRY_AFTER_S), 'content-type': 'text/plain' },
  body: 'overloaded\n',
};

export class Gateway {
  private readonly exchanges = new Map<Ref, Exchange>();
  private readonly byMonitor = new Map<Ref, Ref>();
  private readonly inbox: Inbox;
  private stopping = false;
  private retried = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: GatewayOptions = {},
  ) {
    this.inbox = runtime.inbox();
    void this.receiveLoop();
  }

  /** Requests run again because their thread was lost. */
  get retries(): number {
    return this.retried;
  }

  /** Requests being handled now (counted from their first byte). */
  get inFlight(): number {
    return this.exchanges.size;
  }

  /** Holds a place for a new request, or answers 503 and returns undefined when all are taken. */
  open(respond: Respond): Exchange | undefined {
    if (this.exchanges.size >= (this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)) {
      respond(OVERLOADED);
      return undefined;
    }
    const exchange: Exchange = {
      ref: makeRef(),
      request: undefined,
      pid: undefined,
      monitor: undefined,
      deadline: undefined,
      settled: false,
      respond,
      handler: undefined,
      retriesLeft: 0,
    };
    this.exchanges.set(exchange.ref, exchange);
    return exchange;
  }

  /**
   * Runs `request` in a new process of `handler`. `retryable` (default: for
   * GET, HEAD and OPTIONS) lets it run again, up to `RETRIES_ON_LOST_THREAD`
   * times, if its thread is lost under it.
   */
  run(exchange: Exchange, request: HttpRequest, handler: Handler, retryable = IDEMPOTENT.has(request.method)): void {
    if (exchange.settled) return;
    exchange.handler = handler;
    exchange.retriesLeft = retryable ? RETRIES_ON_LOST_THREAD : 0;
    this.spawn(Object.assign(exchange, { request }));
    exchange.deadline = setTimeout(
      () => this.finish(exchange, { status: 504, body: 'handler deadline exceeded\n' }, true),
      this.options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    );
  }

  private spawn(running: Exchange & { request: HttpRequest }): void {
    const { request, handler } = running;
    let pid: Pid;
    try {
      pid = this.runtime.spawn(handler!, this.inbox.pid, running.ref, request);
    } catch (error) {
      this.fail(running, error instanceof StrandError ? `${error.code}: ${error.message}` : String(error));
      return;
    }
    running.pid = pid;
    running.monitor = this.inbox.monitor(pid);
    this.byMonitor.set(running.monitor, running.ref);
  }

  /** Answers without a process (a bad request, a 404): releases the place. */
  answer(exchange: Exchange, response: HttpResponse): void {
    this.finish(exchange, response, false);
  }

  /** The client went away: the handler, if any, is killed; nothing is answered. */
  gone(exchange: Exchange): void {
    if (exchange.settled) return;
    exchange.settled = true;
    this.release(exchange, true);
  }

  /**
   * Lets in-flight requests finish for up to `timeoutMs`, then kills their
   * handlers (answered 503), and closes the gateway's inbox.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + timeoutMs;
    while (this.exchanges.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const exchange of [...this.exchanges.values()]) this.finish(exchange, { status: 503, body: 'server stopping\n' }, true);
    this.inbox.close();
  }

  /** True once `stop` began: front doors ask clients to close their connections. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Reads the gateway's mailbox: responses and the DOWNs of handler processes. */
  private async receiveLoop(): Promise<void> {
    for (;;) {
      const message = await this.inbox.receive();
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
      const exchange = ref === undefined ? undefined : this.exchanges.get(ref);
      if (exchange === undefined || exchange.settled || !hasRequest(exchange)) return;
      // Lost with its thread, through no fault of its own: once more, elsewhere.
      if (message.reason === 'noconnection' && exchange.retriesLeft > 0) {
        exchange.retriesLeft -= 1;
        this.retried += 1;
        this.spawn(exchange);
        return;
      }
      // Ended without answering: a crash, or a normal end without a response.
      this.fail(exchange, message.reason);
      return;
    }
    const response = message as ResponseMessage;
    if (response.type !== '$http-response') return;
    const exchange = this.exchanges.get(response.ref);
    if (exchange === undefined || exchange.settled || !hasRequest(exchange)) return;
    if (!isResponse(response.response)) {
      this.fail(exchange, `handler returned something that is not a response: ${describe(response.response)}`);
      return;
    }
    this.finish(exchange, response.response, false);
  }

  /** Answers 500 for a request whose handler ran (or could not be spawned). */
  private fail(exchange: Exchange & { request: HttpRequest }, reason: ExitReason | string): void {
    const errorId = nanoid(10);
    const report: ErrorReport = { errorId, request: exchange.request, reason };
    if (this.options.onError !== undefined) {
      try {
        this.options.onError(report);
      } catch {
        // A failing reporter must not leave the request unanswered.
      }
    } else {
      const detail = typeof reason === 'object' && 'error' in reason ? (reason.error.stack ?? reason.error.message) : JSON.stringify(reason);
      process.stderr.write(`[strand/http] 500 ${errorId} ${exchange.request.method} ${exchange.request.url}: ${detail}\n`);
    }
    this.finish(exchange, { status: 500, headers: { 'content-type': 'text/plain' }, body: `internal error ${errorId}\n` }, false);
  }

  /** Answers once, releases the place, and kills the handler if it is still running. */
  private finish(exchange: Exchange, response: HttpResponse, kill: boolean): void {
    if (exchange.settled) return;
    exchange.settled = true;
    this.release(exchange, kill);
    try {
      exchange.respond(response);
    } catch (error) {
      // The front door refused the response (an invalid header name or value): the handler's fault, a 500.
      if (response.status === 500 || !hasRequest(exchange)) return;
      exchange.settled = false;
      this.fail(exchange, `the response could not be written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * The monitor stays: the handler ends right after its response (or is
   * killed here), and its DOWN, which comes back in the same batch as the
   * response, clears it (`handle`). A demonitor would cost an envelope to
   * the handler's thread per request, for nothing.
   */
  private release(exchange: Exchange, kill: boolean): void {
    this.exchanges.delete(exchange.ref);
    if (exchange.deadline !== undefined) clearTimeout(exchange.deadline);
    if (kill && exchange.pid !== undefined) this.runtime.exit(exchange.pid, 'kill');
  }
}

function hasRequest(exchange: Exchange): exchange is Exchange & { request: HttpRequest } {
  return exchange.request !== undefined;
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
