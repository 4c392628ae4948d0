/**
 * The demo as the tests run it: a real `nats-server -js` on a free port of
 * 127.0.0.1 and nodes `one` and `two` (src/main.ts), each its own OS process
 * on a free port, started and stopped by PID as the launcher does.
 */
import { afterAll, beforeAll } from 'vitest';
import { ANY_PORT, type NatsServer, natsServerInstalled, startNatsServer } from '../src/nats-server.js';
import { type NodeProcess, startNode } from '../src/node-process.js';

/** Skipped without nats-server only off CI: under CI (which installs it, see .ci/run) a missing server is a failure. */
export const skipWithoutNats = !natsServerInstalled() && !process.env.CI;
if (skipWithoutNats) console.warn('[cluster demo tests] skipped: nats-server is not installed (apt-get install nats-server)');

/** One scheduler thread per node: two nodes and their NATS server share a machine that other programs load. */
const SCHEDULERS_PER_NODE = '1';

export interface DemoCluster {
  readonly nats: NatsServer;
  readonly one: NodeProcess;
  readonly two: NodeProcess;
  /** Stops the nodes still running, then NATS. */
  stop(): Promise<void>;
}

export async function startDemoCluster(): Promise<DemoCluster> {
  const nats = await startNatsServer(ANY_PORT);
  const start = (name: string): Promise<NodeProcess> =>
    startNode({ name, port: 0, natsUrl: nats.url, env: { SCHEDULERS: SCHEDULERS_PER_NODE }, onLine: (line) => process.stderr.write(`[${name}] ${line}\n`) });
  const started = await Promise.allSettled([start('one'), start('two')]);
  const [one, two] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  if (one === undefined || two === undefined) {
    await one?.stop();
    await two?.stop();
    await nats.stop();
    throw started.find((s) => s.status === 'rejected')!.reason;
  }
  return {
    nats,
    one,
    two,
    async stop() {
      await one.stop();
      await two.stop();
      await nats.stop();
    },
  };
}

/** A cluster of its own for the enclosing `describe`: started before its tests, stopped after them. Call the result inside a test. */
export function demoClusterPerSuite(): () => DemoCluster {
  let cluster: DemoCluster | undefined;
  beforeAll(async () => {
    cluster = await startDemoCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => cluster!;
}

export interface Answer {
  readonly status: number;
  readonly body: any;
}

/** A request to a node; the answer's body parsed as JSON when it is JSON. */
export async function request(node: NodeProcess, method: 'GET' | 'POST', path: string): Promise<Answer> {
  const res = await fetch(node.base + path, { method });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
}

