/**
 * The demo's routes: `GET /` serves the page, `GET /factorial?n=N`
 * computes N! in the request's process, yielding at every multiply so the
 * scheduler can preempt it, and `GET /progress` lists the factorials in
 * flight. `/chaos/crash`, `/chaos/stall` and `/chaos/leak` misbehave on
 * purpose, to watch the runtime contain each. Other paths are 404, other
 * methods 405 (the router's).
 */
import { self } from '@strand/core';
import { handler, router, type HttpResponse } from '@strand/http';
import { call, cast } from '@strand/otp';
import { page } from './page.js';
import { PROGRESS, type JobProgress } from './progress.js';
import { RunawayStart } from './runaway.js';

/** Largest n accepted: beyond this it is not a number a person typed. */
export const MAX_N = 1_000_000_000;
/** Progress is reported every this many multiplications. */
const REPORT_EVERY = 1_000;
/** Results shorter than this many bits have their decimal digits counted exactly. */
const FULL_DIGITS_BELOW_BITS = 200_000;
/** Results of at most this many digits are answered in full: a number a person can still read. */
export const MAX_PRINTED_DIGITS = 3_000;

export const Page = handler(import.meta.url, 'FactorialPage', function* () {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: page };
});

export const Progress = handler(import.meta.url, 'FactorialProgress', function* () {
  return json(200, yield* call<JobProgress[]>(PROGRESS, 'list'));
});

export const Factorial = handler(import.meta.url, 'Factorial', function* (request) {
  return yield* factorial(request.query.n);
});

/** Throws: only this request answers 500. */
export const ChaosCrash = handler(import.meta.url, 'ChaosCrash', function* (): Generator<unknown, HttpResponse, unknown> {
  yield;
  throw new Error('chaos: this handler crashes on purpose');
});

/** Never yields (for a minute): the stall watchdog replaces its thread; the others' requests run again elsewhere. */
export const ChaosStall = handler(import.meta.url, 'ChaosStall', function* (): Generator<unknown, HttpResponse, unknown> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    // no yield: this is the stall
  }
  return text(200, 'the stall ran out before the watchdog saw it\n');
});

/** Keeps 8 MiB more at every step: killed with a MemoryLimitError before its thread runs out of heap. */
export const ChaosLeak = handler(import.meta.url, 'ChaosLeak', function* (): Generator<unknown, HttpResponse, unknown> {
  const kept: number[][] = [];
  for (;;) {
    kept.push(new Array<number>(1_048_576).fill(kept.length + 0.5));
    yield;
  }
});

export const routes = router()
  .get('/', Page)
  .get('/progress', Progress)
  .get('/factorial', Factorial)
  .get('/chaos/crash', ChaosCrash)
  .get('/chaos/stall', ChaosStall)
  .get('/chaos/leak', ChaosLeak)
  .get('/runaway', RunawayStart);

function* factorial(raw: string | undefined): Generator<unknown, HttpResponse, unknown> {
  if (raw === undefined || !/^\d{1,10}$/.test(raw) || Number(raw) > MAX_N) {
    return text(400, `n must be an integer from 0 to ${MAX_N}\n`);
  }
  const n = Number(raw);
  const me = self();
  let acc = 1n;
  for (let i = 2; i <= n; i++) {
    try {
      acc *= BigInt(i);
    } catch (error) {
      // V8 caps BigInts at 2^30 bits: n! passes it at i ≈ 44.8 million.
      if (error instanceof RangeError) return text(422, `${n}! is larger than a JavaScript BigInt can be (2^30 bits): stopped at ${i - 1}!\n`);
      throw error;
    }
    if (i % REPORT_EVERY === 0) cast(PROGRESS, { pid: me, n, done: i } satisfies JobProgress);
    yield;
  }
  const bits = acc.toString(2).length;
  // Decimal digits of a huge number take long to print without yielding: give their count instead.
  const decimal = bits < FULL_DIGITS_BELOW_BITS ? acc.toString() : undefined;
  const digits = decimal?.length ?? Math.floor((bits - 1) * (Math.LN2 / Math.LN10)) + 1;
  const value = decimal !== undefined && digits <= MAX_PRINTED_DIGITS ? { value: decimal } : {};
  return json(200, { n, ...value, bits, digits, exactDigits: decimal !== undefined });
}

function text(status: number, body: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function json(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
