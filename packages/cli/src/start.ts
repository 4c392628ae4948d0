/**
 * `strand start`: runs an application module (see app.ts) the way PM2 runs
 * a script, with what PM2 does done inside the runtime:
 *
 * 1. imports the module, starts the runtime (schedulers = cores unless
 *    told) with the module's supervision tree, then its HTTP routes plus
 *    `/healthz` and `/readyz`;
 * 2. calls the module's `ready` hook; then the application is ready:
 *    `/readyz` answers 200 and, under a process manager that asked for it,
 *    `process.send('ready')` (PM2's `wait_ready`);
 * 3. logs as JSON lines (pino): crashes and stalls with the process's pid
 *    and actor, 500s with their error id, reloads, the stop;
 * 4. SIGHUP (and, with `watch`, a change of a file beside the module)
 *    reloads the code; SIGINT and SIGTERM stop: the listener closes,
 *    in-flight requests finish within `shutdownMs`, then the tree stops in
 *    reverse order, honouring each child's shutdown.
 */
import { watch as watchFiles } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { formatPid, formatExitReason } from '@strand/core';
import { type HttpServer, METHODS, router, serve } from '@strand/http';
import { type Application, Strand } from '@strand/otp';
import { appOf } from './app.js';
import type { StartOptions } from './ecosystem.js';
import { Healthz, READY_NAME, Readyz } from './health.js';

/** File changes closer together than this (ms) make one reload. */
export const WATCH_DEBOUNCE_MS = 200;
/** Default port when neither the module nor `PORT` gives one. */
export const DEFAULT_PORT = 3000;

export interface Running {
  readonly app: Application;
  readonly http: HttpServer | undefined;
  stop(): Promise<void>;
}

export async function start(options: StartOptions, log: Logger = pino()): Promise<Running> {
  Object.assign(process.env, options.env);
  const module = pathToFileURL(resolve(options.script)).href;
  const spec = appOf(options.script, (await import(module)) as Record<string, unknown>);
  const app = await Strand.start({
    ...(options.schedulers === undefined ? {} : { schedulers: options.schedulers }),
    ...(options.threadHeapMb === undefined ? {} : { memory: { threadHeapMb: options.threadHeapMb } }),
    ...(spec.children === undefined ? {} : { children: spec.children }),
    ...(spec.flags === undefined ? {} : { flags: spec.flags }),
    handleSignals: false,
    onCrash: (r) => log.error({ pid: formatPid(r.pid), actor: r.actor, module: r.module, reason: formatExitReason(r.reason) }, 'process crashed'),
    onStall: (r) => log.error({ pid: formatPid(r.pid), actor: r.actor, scheduler: r.scheduler, runningForMs: Math.round(r.runningForMs), action: r.action }, 'scheduler stalled'),
  });
  log.info({ schedulers: app.runtime.schedulers, script: options.script }, 'started');

  let http: HttpServer | undefined;
  if (spec.routes !== undefined || spec.handler !== undefined) {
    const routes = spec.routes ?? router().route([...METHODS], '/', spec.handler!).route([...METHODS], '/*', spec.handler!);
    routes.get('/healthz', Healthz).get('/readyz', Readyz);
    http = await serve({
      runtime: app.runtime,
      routes,
      port: spec.port ?? Number(process.env.PORT ?? DEFAULT_PORT),
      host: spec.host ?? '127.0.0.1',
      onError: (r) => log.error({ errorId: r.errorId, method: r.request.method, url: r.request.url, reason: typeof r.reason === 'string' ? r.reason : formatExitReason(r.reason) }, 'request failed'),
    });
    log.info({ port: http.port }, 'listening');
  }

  await withTimeout(Promise.resolve(spec.ready?.()), options.readyTimeoutMs, 'the ready hook');
  app.runtime.register(READY_NAME, app.runtime.inbox().pid);
  log.info('ready');
  process.send?.('ready');

  const reload = (why: string): void => {
    app.reload().then(
      (r) => log.info({ why, generation: r.generation, schedulers: r.schedulers, draining: r.draining }, 'reloaded'),
      (error: unknown) => log.error({ why, error: error instanceof Error ? error.message : String(error) }, 'reload failed'),
    );
  };
  const watcher = options.watch ? watchChanges(dirname(resolve(options.script)), () => reload('file changed')) : undefined;
  const onHangup = (): void => reload('SIGHUP');
  process.on('SIGHUP', onHangup);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info({ shutdownMs: options.shutdownMs }, 'stopping');
      watcher?.close();
      process.removeListener('SIGHUP', onHangup);
      await http?.stop(options.shutdownMs);
      await app.stop();
      log.info('stopped');
    })());
  return { app, http, stop };
}

function watchChanges(dir: string, changed: () => void): { close(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watcher = watchFiles(dir, { recursive: true }, (_event, file) => {
    if (file === null || /(^|\/)(node_modules|\.git|dist)(\/|$)/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(changed, WATCH_DEBOUNCE_MS);
  });
  return { close: () => (clearTimeout(timer), watcher.close()) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
