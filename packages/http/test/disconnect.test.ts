// A client that goes away takes its handler with it: the process is killed,
// so the CPU it was using is freed, and its place in flight is released.
import { afterEach, describe, expect, it } from 'vitest';
import { Factorial, Spin } from './fixtures/handlers.js';
import { handlerProcesses, outcome, request, startRuntime, startServer, stopAll, tally, waitFor } from './support.js';

afterEach(stopAll);

describe('client disconnect', () => {
  it('aborting a request to a never-ending CPU handler kills the handler process', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, handler: Factorial });
    const controller = new AbortController();
    const reply = outcome(request(server.port, '/factorial', { signal: controller.signal }));
    // The handler is running and doing work: its reductions grow.
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Factorial')).some((p) => p.reductions > 1_000))).toBe(true);
    const [running] = await handlerProcesses(runtime, 'Factorial');
    expect(server.inFlight).toBe(1);

    controller.abort();
    expect(await reply).toMatch(/^error:/);
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
    expect(await runtime.processInfo(running!.pid)).toBeUndefined();
    expect(await waitFor(() => server.inFlight === 0)).toBe(true);
  });

  it('with several clients, only the handlers of those that left are killed', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, handler: Spin });
    const controllers = Array.from({ length: 4 }, () => new AbortController());
    const replies = controllers.map((c) => outcome(request(server.port, '/spin', { signal: c.signal, timeoutMs: 15_000 })));
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 4)).toBe(true);
    expect(server.inFlight).toBe(4);

    controllers[0]!.abort();
    controllers[2]!.abort();
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 2 && server.inFlight === 2)).toBe(true);

    controllers[1]!.abort();
    controllers[3]!.abort();
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 0 && server.inFlight === 0)).toBe(true);
    const outcomes = await Promise.all(replies);
    expect(tally(outcomes)).toEqual({ 'error:ABORT_ERR': 4 });
  });

  it('a client that closes its socket while still sending the body spawns nothing and holds no place', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, handler: Spin });
    const controller = new AbortController();
    const { request: httpRequest } = await import('node:http');
    const req = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      path: '/upload',
      method: 'POST',
      headers: { 'content-length': 1000 },
      agent: false,
      signal: controller.signal,
    });
    const failed = new Promise<string>((resolve) => req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)));
    req.write('x'.repeat(100));
    // The request holds a place from its first byte.
    expect(await waitFor(() => server.inFlight === 1)).toBe(true);
    controller.abort();
    expect(await failed).toBe('ABORT_ERR');
    expect(await waitFor(() => server.inFlight === 0)).toBe(true);
    expect(await handlerProcesses(runtime)).toEqual([]);
  });
});
