// Past maxInFlight, a request is answered 503 with Retry-After at once, and no
// process is spawned for it.
import { afterEach, describe, expect, it } from 'vitest';
import { RETRY_AFTER_S } from '@strand/http';
import { Spin } from './fixtures/handlers.js';
import { handlerProcesses, outcome, request, startRuntime, startServer, stopAll, tally, waitFor } from './support.js';

afterEach(stopAll);

describe('overload', () => {
  it('with maxInFlight 3 and 3 never-ending handlers in flight, a 4th request gets 503 with retry-after and spawns nothing', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, handler: Spin, maxInFlight: 3 });
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    const running = controllers.map((c) => outcome(request(server.port, '/spin', { signal: c.signal, timeoutMs: 15_000 })));
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 3)).toBe(true);
    expect(server.inFlight).toBe(3);

    const fourth = await request(server.port, '/spin');
    expect(fourth.status).toBe(503);
    expect(fourth.headers['retry-after']).toBe(String(RETRY_AFTER_S));
    // Still exactly the 3 handlers: none was spawned for the 4th, and the 3 were not disturbed.
    expect(await handlerProcesses(runtime, 'Spin')).toHaveLength(3);
    expect(server.inFlight).toBe(3);

    // Several more at once: all refused, still no new process.
    const more = await Promise.all(Array.from({ length: 5 }, () => outcome(request(server.port, '/spin'))));
    expect(tally(more)).toEqual({ '503': 5 });
    expect(await handlerProcesses(runtime, 'Spin')).toHaveLength(3);

    // Once one of the 3 leaves, its place is free again: the next request is let in (and spawns a handler).
    controllers[0]!.abort();
    expect(await waitFor(async () => server.inFlight === 2 && (await handlerProcesses(runtime, 'Spin')).length === 2)).toBe(true);
    const next = new AbortController();
    const admitted = outcome(request(server.port, '/spin', { signal: next.signal, timeoutMs: 15_000 }));
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 3)).toBe(true);
    expect(server.inFlight).toBe(3);

    for (const c of [...controllers, next]) c.abort();
    expect(tally(await Promise.all([...running, admitted]))).toEqual({ 'error:ABORT_ERR': 4 });
    expect(await waitFor(async () => server.inFlight === 0 && (await handlerProcesses(runtime)).length === 0)).toBe(true);
  });
});
