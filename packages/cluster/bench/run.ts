/**
 * The cluster benchmark: messages between processes across nodes against
 * the same between threads of one node, and both against plain NATS, all
 * measured in one run on this machine.
 *
 *   npm run bench:cluster                 (from the repository root; builds first)
 *   node --import tsx bench/run.ts [--smoke]   (from packages/cluster, built)
 *
 * It starts a nats-server -js on 127.0.0.1 (a free port, a temp store) and
 * two nodes (bench/node.ts), each its own OS process with 2 scheduler
 * threads. Node a measures, in its processes:
 * - call latency: sequential request/reply round trips to an Echo process,
 *   on another thread of node a (in node) and on node b (across nodes);
 * - throughput: one process streaming small messages to a Sink, in node
 *   and across nodes, timed until the Sink has counted them all.
 * The baseline, in this process: plain NATS request/reply between two
 * connections (core NATS, no JetStream), and a stream of publishes to a
 * subscriber, timed until it has counted them all.
 * Rounds alternate Strand and NATS; the table gives the median over rounds
 * of each round's figure. Prints a Markdown table; writes nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../test/nats-server.js';

const smoke = process.argv.includes('--smoke');
/** Sequential calls per round: enough for a stable median and 99th percentile. */
const CALLS = smoke ? 200 : 5_000;
/** Messages streamed per round: a few hundred milliseconds of traffic. */
const MESSAGES = smoke ? 2_000 : 100_000;
const ROUNDS = smoke ? 1 : 5;
const NODE_SCRIPT = fileURLToPath(new URL('./node.ts', import.meta.url));

interface NodeChild {
  readonly child: ChildProcess;
  next(): Promise<Record<string, any>>;
}

function startNode(url: string, name: string): NodeChild {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, url, name, 'bench'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    async next() {
      const { value, done } = await lines.next();
      if (done) throw new Error(`node ${name} ended`);
      return JSON.parse(value as string) as Record<string, any>;
    },
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const median = (values: readonly number[]): number => percentile(values, 50);

async function natsBaseline(url: string): Promise<{ calls: number[]; rate: number }> {
  const responder = await connect({ servers: url });
  const requester = await connect({ servers: url });
  responder.subscribe('bench.echo', { callback: (_error, msg) => void msg.respond(msg.data) });
  let counted = 0;
  let allCounted: () => void = () => {};
  responder.subscribe('bench.sink', {
    callback: () => {
      counted += 1;
      if (counted === MESSAGES) allCounted();
    },
  });
  await responder.flush();
  const payload = new TextEncoder().encode('ping');
  const calls: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await requester.request('bench.echo', payload);
    calls.push((performance.now() - t0) * 1000);
  }
  const done = new Promise<void>((resolve) => (allCounted = resolve));
  const t0 = performance.now();
  for (let seq = 0; seq < MESSAGES; seq++) requester.publish('bench.sink', payload);
  await done;
  const rate = MESSAGES / ((performance.now() - t0) / 1000);
  await requester.drain();
  await responder.drain();
  return { calls, rate };
}

const server = await startNatsServer();
const a = startNode(server.url, 'a');
const b = startNode(server.url, 'b');
try {
  await Promise.all([a.next(), b.next()]);
  const figures = { inNodeP50: [] as number[], inNodeP99: [] as number[], crossP50: [] as number[], crossP99: [] as number[], natsP50: [] as number[], natsP99: [] as number[] };
  const rates = { inNode: [] as number[], cross: [] as number[], nats: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    a.child.stdin!.write(`${JSON.stringify({ cmd: 'measure', peer: 'b', calls: CALLS, messages: MESSAGES })}\n`);
    const strand = await a.next();
    const nats = await natsBaseline(server.url);
    figures.inNodeP50.push(median(strand.inNodeCalls));
    figures.inNodeP99.push(percentile(strand.inNodeCalls, 99));
    figures.crossP50.push(median(strand.crossNodeCalls));
    figures.crossP99.push(percentile(strand.crossNodeCalls, 99));
    figures.natsP50.push(median(nats.calls));
    figures.natsP99.push(percentile(nats.calls, 99));
    rates.inNode.push(strand.inNodeRate);
    rates.cross.push(strand.crossNodeRate);
    rates.nats.push(nats.rate);
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  const us = (v: number): string => `${v.toFixed(0)} µs`;
  const perSecond = (v: number): string => `${Math.round(v).toLocaleString('en-US')}/s`;
  const natsRate = median(rates.nats);
  const natsP50 = median(figures.natsP50);
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}; ${ROUNDS} rounds of ${CALLS} calls and ${MESSAGES} messages; medians over rounds.\n`);
  console.log('| path | call p50 | call p99 | p50 vs NATS | messages/s (one sender) | vs NATS |');
  console.log('|---|---|---|---|---|---|');
  const row = (label: string, p50: number[], p99: number[], rate: number[]): void =>
    console.log(`| ${label} | ${us(median(p50))} | ${us(median(p99))} | ${(median(p50) / natsP50).toFixed(2)}× | ${perSecond(median(rate))} | ${(median(rate) / natsRate).toFixed(2)}× |`);
  row('Strand, in node (thread to thread)', figures.inNodeP50, figures.inNodeP99, rates.inNode);
  row('Strand, across nodes (over NATS)', figures.crossP50, figures.crossP99, rates.cross);
  row('plain NATS request/reply, publish', figures.natsP50, figures.natsP99, rates.nats);
} finally {
  for (const node of [a, b]) node.child.stdin!.write(`${JSON.stringify({ cmd: 'stop' })}\n`);
  await Promise.all([a, b].map((n) => new Promise((resolve) => (n.child.exitCode !== null ? resolve(null) : n.child.once('exit', resolve)))));
  await server.stop();
}
