// A handler that throws, returns something that is not a response, or ends
// without responding is answered 500 with an error id that onError receives
// too; other requests are unaffected.
import { afterEach, describe, expect, it } from 'vitest';
import type { ExitReason } from '@strand/core';
import type { HttpRequest } from '@strand/http';
import { Faulty, Silent } from './fixtures/handlers.js';
import { handlerProcesses, outcome, request, startRuntime, startServer, stopAll, tally, waitFor } from './support.js';

afterEach(stopAll);

interface ErrorReport {
  readonly errorId: string;
  readonly request: HttpRequest;
  readonly reason: ExitReason | string;
}

/** The error id in a 500's body: `internal error <id>`. */
function errorIdOf(text: string): string {
  const match = /^internal error (\S+)\n?$/.exec(text);
  expect(match, `a 500 body naming an error id, got ${JSON.stringify(text)}`).not.toBeNull();
  return match![1]!;
}

async function faulty(handler = Faulty) {
  const reports: ErrorReport[] = [];
  const runtime = await startRuntime();
  const server = await startServer({ runtime, handler, onError: (report) => reports.push(report) });
  return { runtime, server, reports };
}

describe('a crashing handler', () => {
  it('is answered 500 with an error id that onError received with the stack', async () => {
    const { server, reports } = await faulty();
    const reply = await request(server.port, '/crash?i=7');
    expect(reply.status).toBe(500);
    const errorId = errorIdOf(reply.text);
    expect(reports).toHaveLength(1);
    const report = reports[0]!;
    expect(report.errorId).toBe(errorId);
    expect(report.request).toMatchObject({ method: 'GET', path: '/crash', query: { i: '7' } });
    expect(typeof report.reason).toBe('object');
    const reason = report.reason as { error: { name: string; message: string; stack?: string } };
    expect(reason.error.message).toBe('boom 7');
    expect(reason.error.stack).toContain('boom 7');
    // The stack points into the handler's module.
    expect(reason.error.stack).toMatch(/handlers\.ts/);
    // The body gives the id, not the error.
    expect(reply.text).not.toContain('boom');
    expect(server.inFlight).toBe(0);
  });

  it('does not affect concurrent requests: 20 good and 5 crashing give 20×200 and 5×500', async () => {
    const { runtime, server, reports } = await faulty();
    // Every fifth request crashes, interleaved with the good ones.
    let good = 0;
    let bad = 0;
    const paths = Array.from({ length: 25 }, (_, k) => (k % 5 === 2 ? `/crash?i=${bad++}` : `/ok?i=${good++}`));
    const replies = paths.map((path) => request(server.port, path));
    const outcomes = await Promise.all(replies.map(outcome));
    expect(tally(outcomes)).toEqual({ '200': 20, '500': 5 });
    const settled = await Promise.all(replies);
    paths.forEach((path, k) => {
      const reply = settled[k]!;
      const i = /i=(\d+)/.exec(path)![1];
      if (path.startsWith('/ok')) expect(reply.text).toBe(`ok ${i}`);
      else expect(reports.map((r) => r.errorId)).toContain(errorIdOf(reply.text));
    });
    expect(reports).toHaveLength(5);
    expect(new Set(reports.map((r) => r.errorId)).size).toBe(5);
    expect(reports.map((r) => (r.reason as { error: { message: string } }).error.message).sort()).toEqual(
      ['boom 0', 'boom 1', 'boom 2', 'boom 3', 'boom 4'],
    );
    expect(server.inFlight).toBe(0);
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
    // And the server still serves.
    expect((await request(server.port, '/ok?i=last')).text).toBe('ok last');
  });
});

describe('a handler that does not answer with a response', () => {
  it('returning a number is answered 500 and reported', async () => {
    const { server, reports } = await faulty();
    const reply = await request(server.port, '/number');
    expect(reply.status).toBe(500);
    const errorId = errorIdOf(reply.text);
    expect(reports.map((r) => r.errorId)).toEqual([errorId]);
    expect(reports[0]!.request.path).toBe('/number');
    expect(String(reports[0]!.reason)).toContain('42');
  });

  it('returning status 42 is answered 500 and reported', async () => {
    const { server, reports } = await faulty();
    const reply = await request(server.port, '/status-42');
    expect(reply.status).toBe(500);
    expect(reports.map((r) => r.errorId)).toEqual([errorIdOf(reply.text)]);
    expect(reply.text).not.toContain('not a status');
  });

  it('a response Node cannot write (a line break in a header value) is answered 500, and later requests are still served', async () => {
    const { server, reports } = await faulty();
    const bad = await outcome(request(server.port, '/bad-header', { timeoutMs: 5_000 }));
    // Nothing a handler returns may stop the gateway: the requests after it are answered too.
    const after = await Promise.all(Array.from({ length: 3 }, (_, i) => outcome(request(server.port, `/ok?i=${i}`, { timeoutMs: 5_000 }))));
    expect({ bad, after: tally(after) }).toEqual({ bad: '500', after: { '200': 3 } });
    expect(reports.map((r) => r.request.path)).toEqual(['/bad-header']);
    expect(server.inFlight).toBe(0);
  });

  it('ending normally before responding is answered 500 and reported', async () => {
    const { server, reports } = await faulty();
    const reply = await request(server.port, '/exit-normal');
    expect(reply.status).toBe(500);
    expect(reports.map((r) => r.errorId)).toEqual([errorIdOf(reply.text)]);
    expect(reports[0]!.reason).toBe('normal');
  });

  it('a handler process that never sends a response at all is answered 500', async () => {
    const { server, reports } = await faulty(Silent);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => outcome(request(server.port, '/anything'))));
    expect(tally(outcomes)).toEqual({ '500': 5 });
    expect(reports).toHaveLength(5);
    expect(reports.every((r) => r.reason === 'normal')).toBe(true);
    expect(server.inFlight).toBe(0);
  });
});
