// Shared by the @strand/http behaviour tests: a runtime and server that are
// stopped after each test, an HTTP client and a raw-socket client that never
// wait without a bound, and bounded polling.
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { type ProcessInfo, makeRef } from '@strand/core';
import { type HttpRequest, type HttpServer, type ServeOptions, serve } from '@strand/http';
import { type Runtime, Strand, type StrandOptions } from '@strand/pool';
import { type Announcement, Sleepy, WITNESS, isAnnouncement } from './fixtures/handlers.js';

const PRELOAD = new URL('../../pool/test/fixtures/register-tsx.mjs', import.meta.url).href;

/** Everything started by a test, stopped (servers first) by `stopAll` in `afterEach`. */
const servers: HttpServer[] = [];
const runtimes: Runtime[] = [];

export async function startRuntime(options: StrandOptions = {}): Promise<Runtime> {
  const runtime = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, ...options });
  runtimes.push(runtime);
  return runtime;
}

export async function startServer(options: ServeOptions): Promise<HttpServer> {
  const server = await serve({ host: '127.0.0.1', port: 0, ...options });
  servers.push(server);
  return server;
}

export async function stopAll(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.stop(100)));
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
}

/** The live processes of `runtime` running one of the test handlers (`actor`, or any of them). */
export async function handlerProcesses(runtime: Runtime, actor?: string): Promise<ProcessInfo[]> {
  return (await runtime.processes()).filter(
    (p) => /\/test\/fixtures\/handlers\.ts$/.test(p.module) && (actor === undefined || p.actor === actor),
  );
}

/** Polls `condition` every 10 ms until it holds; false if it still does not after `timeoutMs` (a failure bound, not a measurement). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | number>;
  /** Sent with a content-length unless `chunked`. */
  readonly body?: string | Buffer;
  /** Send the body with `transfer-encoding: chunked`, in pieces of this many bytes. */
  readonly chunked?: number;
  /** The request is aborted, and the promise rejects, after this long. Default 10 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** One request on its own connection (no keep-alive agent); resolves with the whole response. */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
    if (options.body !== undefined && options.chunked === undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      method: options.method ?? 'GET',
      headers,
      agent: false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no response to ${path} within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    if (options.body !== undefined && options.chunked !== undefined) {
      const body = Buffer.from(options.body);
      for (let i = 0; i < body.length; i += options.chunked) req.write(body.subarray(i, i + options.chunked));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** What a raw exchange saw: every byte the server sent, and how the connection ended. */
export interface RawResult {
  readonly data: string;
  /** 'closed': the server ended or reset the connection; 'timeout': still open at the bound. */
  readonly end: 'closed' | 'timeout';
  readonly error: string | undefined;
  /** The status line's code, when the server sent one. */
  readonly status: number | undefined;
}

/**
 * Connects, sends `parts` (`delayMs` apart, stopping once the server closed),
 * and collects what comes back until the server closes or `timeoutMs` passes.
 */
export function raw(port: number, parts: readonly (string | Buffer)[], options: { delayMs?: number; timeoutMs?: number } = {}): Promise<RawResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let done = false;
    const finish = (end: RawResult['end']): void => {
      if (done) return;
      done = true;
      clearTimeout(bound);
      socket.destroy();
      const data = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve({ data, end, error, status: match === null ? undefined : Number(match[1]) });
    };
    const bound = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e) => (error = e.message));
    socket.on('close', () => finish('closed'));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (done || socket.destroyed || !socket.writable) return;
        socket.write(part);
        if (options.delayMs !== undefined) await new Promise((r) => setTimeout(r, options.delayMs));
      }
    });
  });
}

/** Resolves with the connection error code when connecting to `port` fails, 'connected' if it succeeds. */
export function tryConnect(port: number, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const bound = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.on('connect', () => {
      clearTimeout(bound);
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(bound);
      resolve(e.code ?? e.message);
    });
  });
}

/** Counts outcomes by key: `{ '200': 20, '500': 5 }`. */
export function tally(outcomes: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

/** A settled request as a countable string: its status, or the error's code/message. */
export async function outcome(reply: Promise<Reply>): Promise<string> {
  try {
    return String((await reply).status);
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

/** Registers an inbox as `WITNESS`: handlers that announce themselves report there as they start. */
/**
 * Loads the handlers' module in every scheduler thread (a handler answers
 * from each one), so that a short deadline measures the handler, not the
 * module's first load on a busy machine.
 */
export async function loadHandlersEverywhere(runtime: Runtime): Promise<void> {
  const inbox = runtime.inbox();
  const request: HttpRequest = { id: 'warm-up', method: 'GET', url: '/sleep?ms=0', path: '/sleep', query: { ms: '0' }, params: {}, headers: {}, body: '' };
  for (let i = 1; i <= runtime.schedulers; i++) runtime.spawnOn(i, Sleepy, inbox.pid, makeRef(), request);
  for (let i = 1; i <= runtime.schedulers; i++) await inbox.receive(undefined, 30_000);
  inbox.close();
}

export function witness(runtime: Runtime) {
  const inbox = runtime.inbox();
  runtime.register(WITNESS, inbox.pid);
  return {
    inbox,
    /** The next `n` announcements, in arrival order; fewer if they do not all come within `timeoutMs`. */
    async take(n: number, timeoutMs = 10_000): Promise<Announcement[]> {
      const seen: Announcement[] = [];
      const deadline = Date.now() + timeoutMs;
      while (seen.length < n) {
        const message = await inbox.receive(isAnnouncement, Math.max(0, deadline - Date.now()));
        if (!isAnnouncement(message)) break;
        seen.push(message);
      }
      return seen;
    },
  };
}
