/**
 * A Strand handler for fetch-style applications (Hono, and any framework on
 * the WHATWG `Request` / `Response`): each request runs in a process, with
 * the gateway's contract (gateway.ts). A request whose `signal` aborts (the
 * client went away) kills its process and resolves with status 499.
 *
 * ```ts
 * const users = strandFetch(rt, GetUser);
 * app.get('/users/:id', (c) => users(c.req.raw, c.req.param()));    // Hono
 * ```
 */
import { nanoid } from 'nanoid';
import { InvalidOptionError, isActor } from '@strand/core';
import type { Runtime } from '@strand/pool';
import type { Handler, HttpRequest, HttpResponse } from './handler.js';
import { Gateway } from './gateway.js';
import type { AdapterOptions } from './node-adapter.js';
import { stringsOf } from './node-adapter.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './node-exchange.js';

/** nginx's "client closed request": what a request answers after its client went away. */
export const CLIENT_CLOSED_REQUEST = 499;

export interface StrandFetchHandler {
  (request: Request, params?: Readonly<Record<string, unknown>>): Promise<Response>;
  stop(timeoutMs?: number): Promise<void>;
}

export function strandFetch(runtime: Runtime, handler: Handler, options: AdapterOptions = {}): StrandFetchHandler {
  if (!isActor(handler)) throw new InvalidOptionError('handler', handler, 'a handler made by handler(import.meta.url, name, function* ...)');
  const gateway = new Gateway(runtime, options);
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const fetchHandler = (request: Request, params: Readonly<Record<string, unknown>> = {}): Promise<Response> =>
    new Promise((resolve) => {
      const head = request.method === 'HEAD';
      const exchange = gateway.open((response) => resolve(toResponse(response, head, gateway.isStopping)));
      if (exchange === undefined) return;
      const onAbort = (): void => {
        gateway.gone(exchange);
        resolve(new Response(null, { status: CLIENT_CLOSED_REQUEST }));
      };
      if (request.signal.aborted) return onAbort();
      request.signal.addEventListener('abort', onAbort, { once: true });
      void readBody(request, bodyLimit).then((body) => {
        if (exchange.settled) return;
        if (body === undefined) {
          gateway.answer(exchange, { status: 413, headers: { connection: 'close' }, body: 'body too large\n' });
          return;
        }
        const url = new URL(request.url);
        const httpRequest: HttpRequest = {
          id: nanoid(12),
          method: request.method,
          url: url.pathname + url.search,
          path: decodeURIComponent(url.pathname),
          query: Object.fromEntries(url.searchParams),
          params: stringsOf(params),
          headers: Object.fromEntries(request.headers),
          body,
        };
        gateway.run(exchange, httpRequest, handler);
      });
    });
  return Object.assign(fetchHandler, { stop: (timeoutMs = 5_000) => gateway.stop(timeoutMs) });
}

/** The body as text, or undefined past `limit` bytes. */
async function readBody(request: Request, limit: number): Promise<string | undefined> {
  if (request.body === null) return '';
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) return undefined;
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.length > limit ? undefined : new TextDecoder().decode(bytes);
}

function toResponse(response: HttpResponse, head: boolean, closing: boolean): Response {
  const headers = new Headers(response.headers ?? {});
  if (closing) headers.set('connection', 'close');
  const status = response.status ?? 200;
  const noBody = head || status === 204 || status === 304;
  return new Response(noBody ? null : (response.body ?? ''), { status, headers });
}
