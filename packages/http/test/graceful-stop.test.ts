// stop(timeout): no new connections; in-flight requests finish within the
// timeout, or are killed and answered 503; the port is closed afterwards.
//
// A `/quick` request of `Stoppable` announces itself and waits for GO before
// its `sleep(100)`: the test knows it is in flight when it calls stop(), and
// lets it go on afterwards, whatever the machine's load.
import { afterEach, describe, expect, it } from 'vitest';
import { GO, Stoppable } from './fixtures/handlers.js';
import { handlerProcesses, outcome, request, startRuntime, startServer, stopAll, tally, tryConnect, waitFor, witness } from './support.js';

afterEach(stopAll);

async function stoppable() {
  const runtime = await startRuntime();
  const seen = witness(runtime);
  const server = await startServer({ runtime, handler: Stoppable });
  return { runtime, seen, server, port: server.port };
}

describe('graceful stop', () => {
  it('lets a quick in-flight request finish (200) and refuses new connections', async () => {
    const { runtime, seen, server, port } = await stoppable();
    const quick = request(port, '/quick');
    const [held] = await seen.take(1);
    expect(held?.witness).toBe('/quick');
    expect(server.inFlight).toBe(1);

    const stopped = server.stop(5_000);
    // Not listening any more, while the request is still held in its handler.
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    expect(server.inFlight).toBe(1);
    runtime.send(held!.pid, GO);
    const reply = await quick;
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('finished');
    expect(reply.headers.connection).toBe('close');
    await stopped;
    expect(server.inFlight).toBe(0);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
  });

  it('several quick requests in flight all finish (200) within the stop timeout', async () => {
    const { runtime, seen, server, port } = await stoppable();
    const replies = Array.from({ length: 5 }, () => outcome(request(port, '/quick')));
    const held = await seen.take(5);
    expect(held).toHaveLength(5);
    const stopped = server.stop(5_000);
    for (const h of held) runtime.send(h.pid, GO);
    await stopped;
    expect(tally(await Promise.all(replies))).toEqual({ '200': 5 });
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });

  it('kills a never-ending handler after stop(200) and answers it 503; the port is closed afterwards', async () => {
    const { runtime, seen, server, port } = await stoppable();
    const forever = request(port, '/forever', { timeoutMs: 15_000 });
    const [running] = await seen.take(1);
    expect(running?.witness).toBe('/forever');

    await server.stop(200);
    const reply = await forever;
    expect(reply.status).toBe(503);
    expect(server.inFlight).toBe(0);
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
    expect(await runtime.processInfo(running!.pid)).toBeUndefined();
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });

  it('with quick and never-ending requests in flight, the quick ones finish (200) and the others are killed (503)', async () => {
    const { runtime, seen, server, port } = await stoppable();
    const quick = Array.from({ length: 3 }, () => outcome(request(port, '/quick', { timeoutMs: 15_000 })));
    const forever = Array.from({ length: 3 }, () => outcome(request(port, '/forever', { timeoutMs: 15_000 })));
    const held = await seen.take(6);
    expect(held.map((h) => h.witness).sort()).toEqual(['/forever', '/forever', '/forever', '/quick', '/quick', '/quick']);

    // Generous, for a loaded machine: the quick ones, let go at once, must not be killed.
    const stopped = server.stop(5_000);
    for (const h of held) if (h.witness === '/quick') runtime.send(h.pid, GO);
    await stopped;
    expect(tally(await Promise.all(quick))).toEqual({ '200': 3 });
    expect(tally(await Promise.all(forever))).toEqual({ '503': 3 });
    expect(await waitFor(async () => (await handlerProcesses(runtime)).length === 0)).toBe(true);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });

  it('stop() is idempotent: concurrent and repeated calls all resolve, and the port is closed', async () => {
    const { server, port } = await stoppable();
    await Promise.all([server.stop(100), server.stop(100)]);
    await server.stop(100);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });
});
