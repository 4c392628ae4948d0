// A handler that runs past deadlineMs is killed and answered 504.
import { afterEach, describe, expect, it } from 'vitest';
import { Sleepy, Spin } from './fixtures/handlers.js';
import { handlerProcesses, loadHandlersEverywhere, request, startRuntime, startServer, stopAll, waitFor, witness } from './support.js';

afterEach(stopAll);

describe('deadline', () => {
  it('a handler yielding forever past deadlineMs is answered 504, and its process is gone', async () => {
    const runtime = await startRuntime();
    await loadHandlersEverywhere(runtime);
    const seen = witness(runtime);
    // Long enough for the handler's first step on a loaded machine: it announces itself there.
    const server = await startServer({ runtime, handler: Spin, deadlineMs: 1_000 });
    const reply = await request(server.port, '/spin');
    expect(reply.status).toBe(504);
    expect(server.inFlight).toBe(0);
    // The handler did run (it announced itself) ...
    const [spinning] = await seen.take(1);
    expect(spinning?.witness).toBe('/spin');
    // ... and was killed, not left running: no Spin process anywhere, and its pid is unknown to its scheduler.
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Spin')).length === 0)).toBe(true);
    expect(await runtime.processInfo(spinning!.pid)).toBeUndefined();
  });

  it('a handler blocked in a receive past deadlineMs is answered 504, and its process is gone', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, handler: Sleepy, deadlineMs: 200 });
    const reply = await request(server.port, '/sleep?ms=60000');
    expect(reply.status).toBe(504);
    expect(server.inFlight).toBe(0);
    expect(await waitFor(async () => (await handlerProcesses(runtime, 'Sleepy')).length === 0)).toBe(true);
  });

  it('several handlers past the deadline at once are all answered 504 and all killed; one within it is answered', async () => {
    const runtime = await startRuntime();
    // Generous, for a loaded machine: the quick request must not be late. A first request loads the
    // handler's module (at least in one thread) before the clock of the quick one starts.
    const server = await startServer({ runtime, handler: Sleepy, deadlineMs: 5_000 });
    expect((await request(server.port, '/sleep?ms=0')).status).toBe(200);
    const late = Array.from({ length: 5 }, () => request(server.port, '/sleep?ms=60000'));
    const quick = request(server.port, '/sleep?ms=0');
    expect((await quick).status).toBe(200);
    expect((await quick).text).toBe('slept 0');
    expect((await Promise.all(late)).map((r) => r.status)).toEqual([504, 504, 504, 504, 504]);
    expect(server.inFlight).toBe(0);
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
  });
});
