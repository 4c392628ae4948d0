/**
 * `/healthz` and `/readyz`, served by processes like any other route: a
 * 200 from `/healthz` proves a scheduler thread runs processes; `/readyz`
 * says whether the application said it is ready (its `ready` hook resolved,
 * after the tree started and the server listened). Liveness and readiness
 * probes of Kubernetes point at them.
 */
import { whereis } from '@strand/core';
import { type HttpResponse, handler } from '@strand/http';

/** Registered (by `strand start`, on the main thread) once the application is ready. */
export const READY_NAME = 'strand.ready';

export const Healthz = handler(import.meta.url, 'strand.Healthz', function* () {
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok\n' };
});

export const Readyz = handler(import.meta.url, 'strand.Readyz', function* (): Generator<unknown, HttpResponse, unknown> {
  return whereis(READY_NAME) === undefined
    ? { status: 503, headers: { 'content-type': 'text/plain', 'retry-after': '1' }, body: 'starting\n' }
    : { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ready\n' };
});
