import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@strand/core';
import { Cluster, ClusterUnreachableError, NodeNameTakenError } from '@strand/cluster';
import { freePort, skipWithoutNats, startNatsServer } from './nats-server.js';
import { NodeProcess } from './node-process.js';

describe('bad cluster configuration', () => {
  it('no server at the URL: ClusterUnreachableError naming the URL, and no runtime left running', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const failure = Cluster.start({ cluster: { servers: url, node: 'lonely' }, schedulers: 1 });
    await expect(failure).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failure).rejects.toThrow(url);
  });

  it('bad options: InvalidOptionError naming the option', async () => {
    await expect(Cluster.start({ cluster: { servers: [], node: 'a' }, schedulers: 1 })).rejects.toThrow(/option cluster\.servers/);
    await expect(Cluster.start({ cluster: { servers: 'nats://127.0.0.1:4222', node: 'has space' }, schedulers: 1 })).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
    await expect(Cluster.start({ cluster: { servers: 'nats://127.0.0.1:4222', node: 'a', heartbeatMs: 0 }, schedulers: 1 })).rejects.toThrow(
      /option cluster\.heartbeatMs/,
    );
  });
});

describe.skipIf(skipWithoutNats)('node names', () => {
  it('a second live node with a taken name is refused with NodeNameTakenError', async () => {
    const server = await startNatsServer();
    const first = await NodeProcess.start(server.url, 'twin', 'names-taken');
    // The same loss window as the first node's (node-script.ts): a loaded machine must not make its name look free.
    const second = Cluster.start({ cluster: { servers: server.url, node: 'twin', cluster: 'names-taken', missedHeartbeats: 5 }, schedulers: 1 });
    try {
      await expect(second).rejects.toBeInstanceOf(NodeNameTakenError);
    } finally {
      // Had it joined after all, it must not outlive the test in this process.
      await second.then((node) => node.stop(), () => {});
      await first.stop();
      await server.stop();
    }
  }, 60_000);
});
