/**
 * The Strand handlers the HTTP benchmark serves.
 *
 * - `Ok`: the trivial handler, `{ status: 200, body: 'ok' }` and nothing else.
 * - `Mixed`: `GET /factorial?n=N` computes N! yielding at every multiply
 *   (as examples/factorial does), anything else answers `200 ok` at once.
 *   Used for the "under CPU load" case.
 */
import { handler } from '@strand/http';

export const Ok = handler(import.meta.url, 'bench.http.Ok', function* () {
  return { status: 200, body: 'ok' };
});

export const Mixed = handler(import.meta.url, 'bench.http.Mixed', function* (request) {
  if (request.path !== '/factorial') return { status: 200, body: 'ok' };
  const n = Number(request.query.n ?? 0);
  let acc = 1n;
  for (let i = 2; i <= n; i++) {
    acc *= BigInt(i);
    yield;
  }
  return { status: 200, body: String(acc.toString(2).length) };
});
