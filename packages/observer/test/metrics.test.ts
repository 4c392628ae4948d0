// GET /metrics: the runtime's figures in Prometheus text, per scheduler, and the
// HTTP duration histogram fed through observer.recordHttpRequest.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Runtime, Strand } from '@strand/pool';
import { observe, type Observer } from '@strand/observer';
import { Runaway } from './fixtures/actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime;
let observer: Observer;

beforeEach(async () => {
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
  observer = await observe(rt, { port: 0 });
});

afterEach(async () => {
  await observer.close();
  await rt.stop();
});

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  expect(line, `${name}{${labels}} in\n${text}`).toBeDefined();
  return Number(line!.split(' ')[1]);
}

it('exposes processes, run queue, reductions and utilisation per scheduler, and reductions only grow', async () => {
  const inbox = rt.inbox();
  const runaway = rt.spawnOn(1, Runaway, inbox.pid);
  await inbox.receive((m) => (m as { ready?: number }).ready === runaway, 20_000);
  const first = await fetch(observer.url + '/metrics');
  expect(first.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await first.text();
  for (const scheduler of ['0', '1', '2']) {
    const labels = `scheduler="${scheduler}"`;
    expect(sample(text, 'strand_processes', labels)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'strand_run_queue', labels)).toBeGreaterThanOrEqual(0);
    const utilisation = sample(text, 'strand_scheduler_utilization', labels);
    expect(utilisation).toBeGreaterThanOrEqual(0);
    expect(utilisation).toBeLessThanOrEqual(1);
  }
  expect(sample(text, 'strand_processes', 'scheduler="1"')).toBeGreaterThanOrEqual(1);
  const before = sample(text, 'strand_reductions_total', 'scheduler="1"');
  let after = before;
  while (after <= before) after = sample(await (await fetch(observer.url + '/metrics')).text(), 'strand_reductions_total', 'scheduler="1"');
  expect(after).toBeGreaterThan(before);
});

it('counts HTTP request durations reported through recordHttpRequest into the histogram, by method, route and status', async () => {
  observer.recordHttpRequest({ method: 'GET', route: '/users/:id', status: 200, seconds: 0.003 });
  observer.recordHttpRequest({ method: 'GET', route: '/users/:id', status: 200, seconds: 2 });
  observer.recordHttpRequest({ method: 'GET', route: undefined, status: 404, seconds: 0.001 });
  const text = await (await fetch(observer.url + '/metrics')).text();
  const found = 'method="GET",route="/users/:id",status="200"';
  expect(sample(text, 'strand_http_request_duration_seconds_count', found)).toBe(2);
  expect(sample(text, 'strand_http_request_duration_seconds_bucket', `le="0.005",${found}`)).toBe(1);
  expect(sample(text, 'strand_http_request_duration_seconds_bucket', `le="+Inf",${found}`)).toBe(2);
  // No route matched: the route label is empty, Prometheus's "no value".
  expect(sample(text, 'strand_http_request_duration_seconds_count', 'method="GET",route="",status="404"')).toBe(1);
});
