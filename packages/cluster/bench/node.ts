/**
 * One node of the cluster benchmark (run.ts starts two, each its own OS
 * process): `node --import tsx bench/node.ts <servers> <name> <cluster>`.
 *
 * Every node runs an Echo (answers each request) and a Sink (counts a
 * stream, answers its end marker), registered globally as `echo-<name>`
 * and `sink-<name>`. On `{ cmd: 'measure', peer, calls, messages }` on
 * stdin, this node's processes measure, against its own Echo and Sink (in
 * node, on another thread) and the peer's (across nodes), and it prints
 * the figures as one JSON line.
 */
import { createInterface } from 'node:readline';
import { actor, receive, self, send, type Pid } from '@strand/core';
import { Cluster } from '@strand/cluster';

type Ping = { readonly replyTo: Pid };
type Stream = { readonly seq: number } | { readonly end: true; readonly replyTo: Pid };

export const Echo = actor(import.meta.url, 'Echo', function* () {
  for (;;) {
    const { replyTo } = (yield* receive()) as Ping;
    send(replyTo, 'pong');
  }
});

export const Sink = actor(import.meta.url, 'Sink', function* () {
  let count = 0;
  for (;;) {
    const m = (yield* receive()) as Stream;
    if ('end' in m) {
      send(m.replyTo, count);
      count = 0;
    } else count += 1;
  }
});

/** `calls` sequential round trips to `echo`; reports each one's time in µs. */
export const Caller = actor(import.meta.url, 'Caller', function* (echo: Pid, calls: number, report: Pid) {
  const me = self();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    send(echo, { replyTo: me });
    yield* receive();
    times.push((performance.now() - t0) * 1000);
  }
  send(report, { times });
});

/** Streams `messages` to `sink` and waits for it to have them all; reports messages per second. */
export const Streamer = actor(import.meta.url, 'Streamer', function* (sink: Pid, messages: number, report: Pid) {
  const t0 = performance.now();
  for (let seq = 0; seq < messages; seq++) {
    send(sink, { seq });
    // A bare yield every so often keeps this one process's slice polite; it is still one sender.
    if ((seq & 1023) === 0) yield;
  }
  send(sink, { end: true, replyTo: self() });
  const received = (yield* receive()) as number;
  send(report, { received, perSecond: messages / ((performance.now() - t0) / 1000) });
});

const [servers, name, cluster] = process.argv.slice(2) as [string, string, string];
const node = await Cluster.start({ cluster: { servers, node: name, cluster }, schedulers: 2 });
const rt = node.runtime;
// Servers on scheduler 1, measuring processes on scheduler 2: "in node" is across threads.
await node.registerGlobal(`echo-${name}`, rt.spawnOn(1, Echo));
await node.registerGlobal(`sink-${name}`, rt.spawnOn(1, Sink));
process.stdout.write(`${JSON.stringify({ ready: node.node })}\n`);

async function callTimes(echo: Pid, calls: number): Promise<number[]> {
  const inbox = rt.inbox<{ times: number[] }>();
  rt.spawnOn(2, Caller, echo, calls, inbox.pid);
  const { times } = await inbox.receive();
  inbox.close();
  return times;
}

async function streamRate(sink: Pid, messages: number): Promise<number> {
  const inbox = rt.inbox<{ received: number; perSecond: number }>();
  rt.spawnOn(2, Streamer, sink, messages, inbox.pid);
  const { received, perSecond } = await inbox.receive();
  inbox.close();
  if (received !== messages) throw new Error(`the sink counted ${received} of ${messages} messages`);
  return perSecond;
}

for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line) as { cmd: string; peer: string; calls: number; messages: number };
  if (c.cmd === 'stop') {
    await node.stop();
    process.exit(0);
  }
  const [localEcho, remoteEcho, localSink, remoteSink] = await Promise.all(
    [`echo-${name}`, `echo-${c.peer}`, `sink-${name}`, `sink-${c.peer}`].map(async (n) => (await node.whereisGlobal(n))!),
  );
  const result = {
    inNodeCalls: await callTimes(localEcho!, c.calls),
    crossNodeCalls: await callTimes(remoteEcho!, c.calls),
    inNodeRate: await streamRate(localSink!, c.messages),
    crossNodeRate: await streamRate(remoteSink!, c.messages),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
