/**
 * The Node side of an exchange, shared by `serve` and the Node adapter
 * (Express, Fastify): reads an `IncomingMessage` into an `HttpRequest`
 * (400 for a target that is not an origin-form path, 413 past the body
 * limit, both without a process) and writes an `HttpResponse` to a
 * `ServerResponse`. A client that goes away before the answer is `gone`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nanoid } from 'nanoid';
import type { HttpRequest, HttpResponse } from './handler.js';
import type { Exchange, Gateway } from './gateway.js';

/** Largest request body accepted by default: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** A request read: its target split into path and query, its route parameters still to be found. */
export interface ReadRequest {
  readonly exchange: Exchange;
  readonly request: HttpRequest;
  /** The path as sent (percent-encoded), for route matching. */
  readonly rawPath: string;
}

/**
 * Opens an exchange for `req` and reads it; calls `onRead` once the body is
 * in. Answers 503 (overload), 400 or 413 itself, without calling `onRead`.
 */
export function readNodeRequest(
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  bodyLimitBytes: number,
  onRead: (read: ReadRequest) => void,
): void {
  const exchange = gateway.open((response) => writeNodeResponse(res, response, gateway.isStopping));
  if (exchange === undefined) {
    req.resume();
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
    gateway.answer(exchange, { status: 400, headers: { 'content-type': 'text/plain', connection: 'close' }, body: 'bad request target\n' });
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > bodyLimitBytes) {
    gateway.answer(exchange, { status: 413, headers: { 'content-type': 'text/plain', connection: 'close' }, body: 'body too large\n' });
    req.destroy();
    return;
  }
  res.on('close', () => {
    if (!exchange.settled) gateway.gone(exchange);
  });
  const finish = (body: string): void => {
    if (exchange.settled) return;
    const request: HttpRequest = {
      id: nanoid(12),
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: decodeURIComponent(target.pathname),
      query: Object.fromEntries(target.searchParams),
      params: {},
      headers: headersOf(req),
      body,
    };
    onRead({ exchange, request, rawPath: target.pathname });
  };
  // A framework's body parser may have read the body already: take what it left.
  if (req.readableEnded) {
    const parsed = (req as IncomingMessage & { body?: unknown }).body;
    finish(typeof parsed === 'string' ? parsed : parsed === undefined ? '' : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > bodyLimitBytes) {
      gateway.answer(exchange, { status: 413, headers: { connection: 'close' }, body: 'body too large\n' });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => finish(Buffer.concat(chunks).toString('utf8')));
}

/** Writes `response`; throws if Node refuses it (an invalid header), before anything was sent. */
export function writeNodeResponse(res: ServerResponse, response: HttpResponse, closing: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  if (closing) headers.connection = 'close';
  try {
    res.writeHead(response.status ?? 200, headers).end(response.body ?? '');
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    throw error;
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
