import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { timingSafeEqual } from 'node:crypto';
import Router from 'find-my-way';
import { type ExitReason, MAX_TRACE_EVENTS, type Pid } from '@strand/core';
import type { Runtime } from '@strand/pool';
import { RuntimeMetrics, type HttpRequestTiming } from './metrics.js';
import { ObserverExposedError, ObserverOptionError } from './errors.js';
import { isDashboardAsset, serveDashboard } from './dashboard.js';
import { parsePid } from './pid-text.js';
import { SORT_KEYS, sortViews, viewOf, type SortKey } from './process-view.js';
import { ReloadError } from '@strand/pool';
import { receiveRestartReports } from './restart-reports.js';
import { supervisionTree } from './supervision-tree.js';
import { refusal } from './request-guard.js';
import { streamTrace } from './trace-stream.js';
import { jsonSafe } from './json-safe.js';

/** How often `/api/events` sends a sample: once a second, the meter's own pace (`METER_INTERVAL_MS` in pool). */
export const SAMPLE_INTERVAL_MS = 1_000;
/** Largest request body accepted (bytes): a kill reason or a test message, not a payload. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Messages `/api/processes/:pid/mailbox` shows unless asked, and at most: a preview, not a dump. */
const DEFAULT_MAILBOX_PREVIEW = 10;
const MAX_MAILBOX_PREVIEW = 100;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const PLAIN_REASONS = new Set<ExitReason>(['normal', 'shutdown', 'kill']);

export interface ObserveOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1; anything else requires `token`. */
  readonly host?: string;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export interface Observer {
  readonly url: string;
  readonly port: number;
  /** Feeds `strand_http_request_duration_seconds`: call it once per finished request. */
  recordHttpRequest(timing: HttpRequestTiming): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the observer's HTTP server on `rt`; resolves once it listens. */
export async function observe(rt: Runtime, options: ObserveOptions): Promise<Observer> {
  const host = options.host ?? '127.0.0.1';
  const { port, token } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ObserverOptionError('port', port, 'an integer from 0 to 65535');
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) {
    throw new ObserverOptionError('token', token, 'a non-empty string');
  }
  if (!LOOPBACK.has(host) && token === undefined) throw new ObserverExposedError(host);

  const streams = new Set<ServerResponse>();
  const metrics = new RuntimeMetrics(rt);
  const router = routes(rt, streams);
  serveDashboard(router);
  router.on('GET', '/metrics', (_req, res) => {
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
      (error: unknown) => send(res, 500, { error: String(error) }),
    );
  });
  const server: Server = createServer((req, res) => {
    const refused = refusal(req, token === undefined);
    if (refused !== undefined) {
      send(res, 403, { error: refused });
      return;
    }
    if (token !== undefined && !isDashboardAsset(req) && !authorised(req, token)) {
      send(res, 401, { error: 'missing or wrong bearer token' });
      return;
    }
    router.lookup(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const restarts = receiveRestartReports(rt, (report) => metrics.recordRestart(report));
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    port: bound,
    recordHttpRequest: (timing) => metrics.recordHttpRequest(timing),
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        restarts.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorised(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function routes(rt: Runtime, streams: Set<ServerResponse>) {
  const router = Router({
    defaultRoute: (_req, res) => send(res, 404, { error: 'no such endpoint' }),
  });
  const json = (handler: (req: IncomingMessage, params: Record<string, string | undefined>, query: URLSearchParams) => Promise<unknown>) =>
    (req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>) => {
      const query = new URL(req.url ?? '/', 'http://observer').searchParams;
      handler(req, params, query).then(
        (body) => send(res, 200, body),
        (error: unknown) =>
          error instanceof HttpError ? send(res, error.status, { error: error.message }) : send(res, 500, { error: String(error) }),
      );
    };

  router.on('GET', '/api/schedulers', json(() => schedulerSample(rt)));
  router.on('GET', '/api/tree', json(() => supervisionTree(rt)));
  router.on(
    'POST',
    '/api/reload',
    json(() =>
      rt.reload().catch((error: unknown) => {
        throw error instanceof ReloadError ? new HttpError(409, error.message) : error;
      }),
    ),
  );
  router.on(
    'GET',
    '/api/processes',
    json(async (_req, _params, query) => {
      const sort = query.get('sort') ?? 'reductions';
      if (!(SORT_KEYS as readonly string[]).includes(sort)) throw new HttpError(400, `sort must be one of ${SORT_KEYS.join(', ')}`);
      const limitText = query.get('limit');
      const limit = limitText === null ? Infinity : Number(limitText);
      if (limitText !== null && (!Number.isInteger(limit) || limit < 1)) throw new HttpError(400, 'limit must be a positive integer');
      const actor = query.get('actor');
      const name = query.get('name');
      const now = Date.now();
      const views = (await rt.processes())
        .map((info) => viewOf(info, now))
        .filter((p) => (actor === null || p.actor === actor) && (name === null || (p.registeredName ?? '').includes(name)));
      return sortViews(views, sort as SortKey).slice(0, limit);
    }),
  );
  router.on(
    'GET',
    '/api/processes/:pid',
    json(async (_req, params) => viewOf(await liveInfo(rt, pidParam(params)), Date.now())),
  );
  router.on(
    'POST',
    '/api/processes/:pid/kill',
    json(async (req, params) => {
      const pid = pidParam(params);
      const body = await readJson(req);
      const reason = exitReason(body.reason);
      const info = await liveInfo(rt, pid);
      rt.exit(pid, reason);
      return { pid: viewOf(info, Date.now()).pid, reason };
    }),
  );
  router.on(
    'POST',
    '/api/processes/:pid/send',
    json(async (req, params) => {
      const pid = pidParam(params);
      const body = await readJson(req);
      if (!('message' in body)) throw new HttpError(400, 'body must be {"message": <any JSON>}');
      const info = await liveInfo(rt, pid);
      rt.send(pid, body.message);
      return { pid: viewOf(info, Date.now()).pid, sent: true };
    }),
  );
  router.on(
    'GET',
    '/api/processes/:pid/mailbox',
    json(async (_req, params, query) => {
      const pid = pidParam(params);
      const limitText = query.get('limit');
      const limit = limitText === null ? DEFAULT_MAILBOX_PREVIEW : Number(limitText);
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_MAILBOX_PREVIEW)) {
        throw new HttpError(400, `limit must be an integer from 1 to ${MAX_MAILBOX_PREVIEW}`);
      }
      const info = await liveInfo(rt, pid);
      const messages = await rt.mailboxPreview(pid, limit);
      if (messages === undefined) throw new HttpError(404, `no live process ${String(pid)}`);
      return { pid: viewOf(info, Date.now()).pid, mailboxLength: info.mailboxLength, messages: JSON.parse(JSON.stringify(messages, jsonSafe)) as unknown };
    }),
  );
  router.on('GET', '/api/processes/:pid/trace', (req, res, params) => {
    const query = new URL(req.url ?? '/', 'http://observer').searchParams;
    const limitText = query.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_TRACE_EVENTS)) {
      send(res, 400, { error: `limit must be an integer from 1 to ${MAX_TRACE_EVENTS}` });
      return;
    }
    let pid: Pid;
    try {
      pid = pidParam(params);
    } catch (error) {
      send(res, (error as HttpError).status, { error: (error as Error).message });
      return;
    }
    liveInfo(rt, pid).then(
      () => streamTrace(rt, pid, limit, res, streams),
      (error: unknown) => (error instanceof HttpError ? send(res, error.status, { error: error.message }) : send(res, 500, { error: String(error) })),
    );
  });
  router.on('GET', '/api/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    streams.add(res);
    let previous = performance.eventLoopUtilization();
    const tick = () => {
      const current = performance.eventLoopUtilization();
      const mainEventLoop = performance.eventLoopUtilization(current, previous).utilization;
      previous = current;
      schedulerSample(rt).then(
        (sample) => res.write(`event: sample\ndata: ${JSON.stringify({ ...sample, mainEventLoop })}\n\n`),
        (error: unknown) => res.write(`event: error\ndata: ${JSON.stringify({ error: String(error) })}\n\n`),
      );
    };
    const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
    tick();
    res.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
  });
  return router;
}

async function schedulerSample(rt: Runtime) {
  const threads = await rt.stats();
  return {
    at: Date.now(),
    schedulers: threads.map((t) => ({
      index: t.index,
      utilisation: t.utilisation,
      runQueue: t.runQueue,
      reductions: t.reductions,
      reductionsPerSecond: t.reductionsPerSecond,
      processes: t.processes,
      heapUsed: t.heapUsed,
      generation: t.generation,
    })),
    processes: threads.reduce((sum, t) => sum + t.processes, 0),
    runQueue: threads.reduce((sum, t) => sum + t.runQueue, 0),
  };
}

function pidParam(params: Record<string, string | undefined>): Pid {
  const text = params.pid ?? '';
  const pid = parsePid(text);
  if (pid === undefined) throw new HttpError(400, `not a pid: ${JSON.stringify(text)} (expected <owner.serial.allocator> or a number)`);
  return pid;
}

async function liveInfo(rt: Runtime, pid: Pid) {
  const info = await rt.processInfo(pid);
  if (info === undefined) throw new HttpError(404, `no live process ${String(pid)}`);
  return info;
}

function exitReason(value: unknown): ExitReason {
  if (value === undefined) return 'kill';
  if (typeof value === 'string' && PLAIN_REASONS.has(value as ExitReason)) return value as ExitReason;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'shutdown' in value) {
    return { shutdown: (value as { shutdown: unknown }).shutdown };
  }
  throw new HttpError(400, 'reason must be "normal", "shutdown", "kill" or {"shutdown": <any JSON>}');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
