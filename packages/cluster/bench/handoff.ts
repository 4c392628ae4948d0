/**
 * How long a movable server is out of reach when its node stops: from
 * `stop` sent to node a until a call from node b is answered by the server
 * on node b (the call resolves the global name, as a client would; one
 * made while the server moves waits and is answered from its new home).
 * Baseline in the same run: one call from b to the server while it is on a,
 * through the same harness (stdin/stdout to b, NATS to a and back).
 *
 *   node --import tsx bench/handoff.ts      (from packages/cluster, built)
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startNatsServer } from '../test/nats-server.js';
import { NodeProcess } from '../test/node-process.js';

/** Stops measured: each a new node a whose one movable server moves to b. */
const ROUNDS = 5;
/** Baseline calls per round, of which the median is kept. */
const BASELINE_CALLS = 20;

const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

const server = await startNatsServer();
const b = await NodeProcess.start(server.url, 'b', 'handoff-bench');
const outages: number[] = [];
const stops: number[] = [];
const baselines: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const a = await NodeProcess.start(server.url, `a${round}`, 'handoff-bench');
    const name = `bench-${round}`;
    await a.request('startMovable', { server: 'MovableCounter', name, start: 0 });
    const calls: number[] = [];
    for (let i = 0; i < BASELINE_CALLS; i++) {
      const t = performance.now();
      await b.request('callGlobal', { name, request: 'inc' });
      calls.push(performance.now() - t);
    }
    baselines.push(median(calls));
    const start = performance.now();
    const stopped = a.stop().then(() => stops.push(performance.now() - start));
    while ((await b.request('callGlobal', { name, request: 'get' })).answer.node !== b.number);
    outages.push(performance.now() - start);
    await stopped;
  }
} finally {
  await b.stop();
  await server.stop();
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;
console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}\n`);
console.log('| measure | median | runs |\n|---|---|---|');
console.log(`| stop sent → answered on the new node | ${ms(median(outages))} | ${outages.map(ms).join(', ')} |`);
console.log(`| stop sent → node a exited | ${ms(median(stops))} | ${stops.map(ms).join(', ')} |`);
console.log(`| baseline: one call b → a through the harness | ${ms(median(baselines))} | ${baselines.map(ms).join(', ')} |`);
console.log(`\nOut of reach for ${(median(outages) / median(baselines)).toFixed(1)}× one call's time.`);
