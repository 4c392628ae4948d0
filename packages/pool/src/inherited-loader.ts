/**
 * The TypeScript loader the main thread runs under, passed on to the
 * runtime's threads.
 *
 * `npx tsx app.ts` and `node --import tsx app.ts` register tsx's module
 * hooks in the main thread only: on Node 20, tsx skips worker threads even
 * when they inherit `--import`. So a scheduler thread could not import the
 * program's `.ts` actor modules. When the main thread's options (`execArgv`,
 * or `NODE_OPTIONS`) name tsx, each runtime thread registers the same tsx
 * installation itself, through its API, before it loads anything else.
 * Other loaders: give `Strand.start` a `preload` module that registers them.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import * as workerThreads from 'node:worker_threads';

/** Options whose value names a module Node loads before the program. */
const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

/**
 * URLs of modules exporting `register()` that each runtime thread calls
 * before importing program modules; empty when the threads need none.
 */
export function inheritedLoaders(execArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  // From Node 22 on, tsx registers itself in worker threads (it checks for `isInternalThread`).
  if ('isInternalThread' in workerThreads) return [];
  const args = [...execArgv, ...nodeOptions.split(/\s+/).filter((a) => a.length > 0)];
  for (const value of loaderValues(args)) {
    const api = tsxApiFor(value);
    if (api !== undefined) return [api];
  }
  return [];
}

/** Calls `register()` of each loader module, in this thread. */
export async function registerLoaders(loaders: readonly string[]): Promise<void> {
  for (const url of loaders) {
    const loader = (await import(url)) as { register?: () => unknown };
    if (typeof loader.register !== 'function') throw new TypeError(`loader module ${url} exports no register()`);
    loader.register();
  }
}

function* loaderValues(args: readonly string[]): Generator<string> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (eq > 0 && LOADER_FLAGS.has(arg.slice(0, eq))) yield arg.slice(eq + 1);
    else if (LOADER_FLAGS.has(arg) && i + 1 < args.length) yield args[++i]!;
  }
}

/** The URL of `tsx/esm/api` of the tsx installation that `value` (a specifier, path or URL) loads, if it is tsx. */
function tsxApiFor(value: string): string | undefined {
  const isBare = value === 'tsx' || value.startsWith('tsx/');
  const path = value.startsWith('file:') ? fileURLToPath(value) : value;
  if (!isBare && !/[\\/]node_modules[\\/]tsx[\\/]/.test(path)) return undefined;
  // Resolve from where Node resolved the flag: the file itself, or the working directory for a bare name.
  const base = isBare ? join(process.cwd(), 'noop.js') : path;
  try {
    const require = createRequire(base);
    const manifestPath = require.resolve('tsx/package.json');
    const manifest = require(manifestPath) as { exports?: Record<string, unknown> };
    const api = manifest.exports?.['./esm/api'] as { import?: { default?: string } } | undefined;
    const entry = api?.import?.default;
    if (entry === undefined) return undefined;
    return pathToFileURL(join(manifestPath, '..', entry)).href;
  } catch {
    return undefined;
  }
}
