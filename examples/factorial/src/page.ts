/**
 * The demo page (src/page/: index.html, demo.js, demo.css) and uPlot, the
 * chart library it draws with, served from node_modules: the page loads
 * nothing from elsewhere. Read once per thread, when the module loads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { handler, type HttpResponse } from '@strand/http';

const resolve = createRequire(import.meta.url).resolve;
const own = (name: string) => new URL(`./page/${name}`, import.meta.url);

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

interface Asset {
  readonly contentType: string;
  readonly body: string;
}

/** What `/assets/:name` serves, by name. */
const assets = new Map([
  asset('demo.js', own('demo.js'), JAVASCRIPT),
  asset('demo.css', own('demo.css'), CSS),
  asset('uPlot.js', resolve('uplot/dist/uPlot.iife.min.js'), JAVASCRIPT),
  asset('uPlot.css', resolve('uplot/dist/uPlot.min.css'), CSS),
]);
const index = readFileSync(own('index.html'), 'utf8');

export const Page = handler(import.meta.url, 'FactorialPage', function* () {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: index };
});

export const PageAsset = handler(import.meta.url, 'FactorialPageAsset', function* (request): Generator<unknown, HttpResponse, unknown> {
  const asset = assets.get(request.params.name ?? '');
  if (asset === undefined) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'no such asset\n' };
  return { status: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache' }, body: asset.body };
});

function asset(name: string, file: string | URL, contentType: string): [string, Asset] {
  return [name, { contentType, body: readFileSync(file, 'utf8') }];
}
