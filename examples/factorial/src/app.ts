/**
 * The demo's routes: `GET /` serves the page (its script, styles and
 * uPlot under `/assets/`), `GET /factorial?n=N[&job=ID]` computes N! in the
 * request's process, yielding at every multiply so the scheduler can preempt
 * it (open to any origin, so that the page can time its peers side by side),
 * and `GET /progress` lists the factorials in flight. `/chaos/crash`,
 * `/chaos/stall` and `/chaos/leak` misbehave on purpose, to watch the
 * runtime contain each. Other paths are 404, other methods 405 (the router's).
 */
import { self } from '@strand/core';
import { handler, router, type HttpResponse } from '@strand/http';
import { call, cast } from '@strand/otp';
import { type FactorialAnswer, factorialSteps, parseN } from './factorial.js';
import { Page, PageAsset } from './page.js';
import { PROGRESS, type JobProgress } from './progress.js';
import { RunawayStart } from './runaway.js';

/** Progress is reported every this many multiplications… */
const REPORT_EVERY = 1_000;
/**
 * …or after this many ms without a report: past about 70,000 factors each
 * product is over V8's 128 KiB large-object size, every multiplication
 * allocates one and waits for full collections, and a job may take longer
 * than a progress poll to do 1,000 more.
 */
const REPORT_AFTER_MS = 250;
/** A job label: short, and safe to show. */
const JOB_LABEL = /^[\w-]{1,40}$/;

export const Progress = handler(import.meta.url, 'FactorialProgress', function* () {
  return json(200, yield* call<JobProgress[]>(PROGRESS, 'list'));
});

export const Factorial = handler(import.meta.url, 'Factorial', function* (request) {
  return yield* factorial(request.query.n, request.query.job);
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
  .get('/assets/:name', PageAsset)
  .get('/progress', Progress)
  .get('/factorial', Factorial)
  .get('/chaos/crash', ChaosCrash)
  .get('/chaos/stall', ChaosStall)
  .get('/chaos/leak', ChaosLeak)
  .get('/runaway', RunawayStart);

function* factorial(raw: string | undefined, job: string | undefined): Generator<unknown, HttpResponse, unknown> {
  const n = parseN(raw);
  if (typeof n !== 'number') return open(n);
  if (job !== undefined && !JOB_LABEL.test(job)) return open({ status: 400, contentType: 'text/plain; charset=utf-8', body: 'job must be 1 to 40 letters, digits, _ or -\n' });
  const me = self();
  const startedAt = Date.now();
  let reportedAt = startedAt;
  const steps = factorialSteps(n);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return open(step.value);
    if (step.value % REPORT_EVERY === 0 || Date.now() - reportedAt >= REPORT_AFTER_MS) {
      reportedAt = Date.now();
      cast(PROGRESS, { pid: me, n, done: step.value, startedAt, ...(job === undefined ? {} : { job }) } satisfies JobProgress);
    }
    yield;
  }
}

/** A factorial's answer, readable by a page of any origin: only a computed number, nothing private. */
function open(answer: FactorialAnswer): HttpResponse {
  return { status: answer.status, headers: { 'content-type': answer.contentType, 'access-control-allow-origin': '*' }, body: answer.body };
}

function text(status: number, body: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function json(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
