/**
 * A server with a typed protocol at run time: typed calls and casts carry
 * the same messages as untyped ones, in-thread and across threads.
 */
import { type ServerPid, callFrom } from '@strand/otp';
import { describe, expect, it } from 'vitest';
import { MODES } from './behaviour-modes.js';
import { nodePerTest } from './node-per-test.js';
import { type CounterCall, type CounterCast, TypedClient } from './fixtures/typed-servers.js';

describe.each(MODES)('typed server protocol ($name)', (mode) => {
  const env = nodePerTest(mode);

  it('a process and plain code call and cast with typed requests and get the replies the protocol names', async () => {
    const client = env.node.spawn(TypedClient, env.inbox.pid);
    const exited = env.node.awaitExit(client);
    const [added, got, after, counter] = (await env.inbox.receive()) as [
      unknown,
      unknown,
      unknown,
      ServerPid<CounterCall, number | 'ok', CounterCast>,
    ];
    expect([added, got, after]).toEqual(['ok', 42, 0]);
    expect(await exited).toBe('normal');
    // The counter outlives its client (a normal exit does not travel a link); plain code goes on with it.
    const ok: 'ok' = await callFrom(env.node, counter, { op: 'add', n: 5 });
    const n: number = await callFrom(env.node, counter, { op: 'get' });
    expect([ok, n]).toEqual(['ok', 5]);
  });
});
