/**
 * Fairness on one thread, without HTTP: N long BigInt jobs on one
 * `Scheduler` while `10000!` requests run one after another (each started
 * when the previous answered, as a client waiting for its answer sends
 * them), for 20 s. Prints every request over 100 ms with when it started,
 * the median, and the CPU the long jobs had used by the end.
 *
 *   npm run bench:fairness:one-thread -w @strand/bench -- 250
 */
import { type Pid, Scheduler, actor, send } from '@strand/core';

const DURATION_MS = 20_000;
const SLOW_MS = 100;

const Long = actor(import.meta.url, 'bench.OneThreadLong', function* () {
  let acc = 1n;
  for (let i = 2; ; i++) {
    acc *= BigInt(i);
    yield;
  }
});

const Short = actor(import.meta.url, 'bench.OneThreadShort', function* (replyTo: Pid, sentAt: number) {
  let acc = 1n;
  for (let i = 2; i <= 10_000; i++) {
    acc *= BigInt(i);
    yield;
  }
  send(replyTo, { ms: performance.now() - sentAt, digits: acc.toString().length });
});

const longJobs = Number(process.argv[2] ?? 250);
if (!Number.isInteger(longJobs) || longJobs < 1) throw new Error(`long jobs: a positive integer, not ${process.argv[2]}`);
const scheduler = new Scheduler();
const longs = Array.from({ length: longJobs }, () => scheduler.spawn(Long));
const inbox = scheduler.inbox<{ ms: number; digits: number }>();
const start = performance.now();
const latencies: number[] = [];
const slow: string[] = [];
while (performance.now() - start < DURATION_MS) {
  const at = performance.now() - start;
  scheduler.spawn(Short, inbox.pid, performance.now());
  const { ms } = (await inbox.receive()) as { ms: number };
  latencies.push(ms);
  if (ms > SLOW_MS) slow.push(`${(at / 1000).toFixed(1)} s: ${Math.round(ms)} ms`);
}
const cpu = longs.map((pid) => scheduler.processInfo(pid)!.cpuMs).sort((a, b) => a - b);
latencies.sort((a, b) => a - b);
console.log(`${longJobs} long jobs, ${latencies.length} requests in ${DURATION_MS / 1000} s, median ${Math.round(latencies[latencies.length >> 1]!)} ms`);
console.log(`requests over ${SLOW_MS} ms (started at: took): ${slow.join(', ') || 'none'}`);
console.log(`long jobs' CPU at the end, min / median: ${cpu[0]!.toFixed(1)} / ${cpu[cpu.length >> 1]!.toFixed(1)} ms`);
await scheduler.stop();
