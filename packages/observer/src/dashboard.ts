/**
 * The dashboard: `GET /` and the files the page loads, served by the
 * observer from its own package and from `uplot` in node_modules (no CDN:
 * an observer runs where there may be no outside network).
 *
 * These files are public even when the observer has a token. A browser's
 * navigation cannot carry an `Authorization` header, so guarding them would
 * leave no way to open the page; and they hold no runtime data: they are the
 * same bytes npm ships. Every `/api/*` call and `/metrics` still needs the
 * token. The page takes it from the URL fragment (`#token=…`), which
 * browsers never send to a server, and sends it as a bearer header on each
 * fetch, the event and trace streams included (read with fetch streaming, not
 * `EventSource`, which cannot send headers), so the token is never in a URL a
 * server or proxy logs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Router from 'find-my-way';

/**
 * The page's sources. Relative to the compiled file too: `dist/` and `src/`
 * are siblings in the package (both are in its `files`), so this finds the
 * same folder from `src/dashboard.ts` under vitest and `dist/dashboard.js`.
 */
const PAGE_FOLDER = new URL('../src/page/', import.meta.url);
const resolve = createRequire(import.meta.url).resolve;

/**
 * The page may load only what this server sends (scripts, styles, fetches):
 * an actor name or a message shown in it cannot pull in anything else.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The files change with the package version; revalidating each time costs a local read.
  'cache-control': 'no-cache',
} as const;

interface Asset {
  readonly path: string;
  readonly type: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** URL path → file and content type: the whole of what the dashboard serves. */
const ASSETS = new Map<string, Asset>([
  ['/', { path: fileURLToPath(new URL('dashboard.html', PAGE_FOLDER)), type: 'text/html; charset=utf-8' }],
  ['/assets/dashboard.js', { path: fileURLToPath(new URL('dashboard.js', PAGE_FOLDER)), type: JS }],
  ['/assets/dashboard.css', { path: fileURLToPath(new URL('dashboard.css', PAGE_FOLDER)), type: CSS }],
  ['/assets/uPlot.iife.min.js', { path: resolve('uplot/dist/uPlot.iife.min.js'), type: JS }],
  ['/assets/uPlot.min.css', { path: resolve('uplot/dist/uPlot.min.css'), type: CSS }],
]);

/** Whether `req` asks for one of the dashboard's files, which need no token (see above). */
export function isDashboardAsset(req: IncomingMessage): boolean {
  return req.method === 'GET' && ASSETS.has(new URL(req.url ?? '/', 'http://observer').pathname);
}

/** Adds a GET route for each of the dashboard's files. */
export function serveDashboard(router: Router.Instance<Router.HTTPVersion.V1>): void {
  for (const [route, asset] of ASSETS) {
    router.on('GET', route, (_req, res) => {
      readFile(asset.path).then(
        (body) => {
          res.writeHead(200, { ...PAGE_HEADERS, 'content-type': asset.type, 'content-length': body.length });
          res.end(body);
        },
        (error: unknown) => missing(res, route, error),
      );
    });
  }
}

function missing(res: ServerResponse, route: string, error: unknown): void {
  const text = JSON.stringify({ error: `dashboard file for ${route} not readable: ${String(error)}` });
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}
