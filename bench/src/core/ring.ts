/**
 * ring: N processes in a ring pass a token around M times: N × M messages,
 * each a send, a wake-up and a receive. The head builds the ring (N − 1
 * nodes, the last one sending back to the head), waits for `go`, and sends
 * the token round M times. Timed from `go` to the head's exit.
 *
 * Erlang counterpart: `ring:N:M` in erlang/strand_bench.erl.
 */
import { type Pid, Scheduler, actor, receive, self, send, spawn } from '@strand/core';
import { expectNormalExit, now, settle } from '../lib/measure.js';
import type { BenchParams, Metric } from '../lib/metric.js';

export const RingNode = actor(import.meta.url, 'bench.RingNode', function* ringNode(next: Pid) {
  for (;;) {
    const token = yield* receive();
    send(next, token);
  }
});

export const RingHead = actor(import.meta.url, 'bench.RingHead', function* ringHead(size: number, rounds: number) {
  let first = self();
  for (let i = 1; i < size; i++) first = spawn(RingNode, first);
  yield* receive(); // go
  for (let round = rounds; round > 0; round--) {
    send(first, round);
    const back = yield* receive();
    if (back !== round) throw new Error(`ring: token ${String(back)} came back, expected ${round}`);
  }
});

/** One timed ring on a fresh scheduler; returns messages per second. */
export async function ringOnce(size: number, rounds: number): Promise<number> {
  const scheduler = new Scheduler();
  try {
    const head = scheduler.spawn(RingHead, size, rounds);
    await settle(scheduler); // the head ran and spawned the nodes
    await settle(scheduler); // the nodes ran and wait in receive
    const t0 = now();
    const exited = expectNormalExit(scheduler, head, 'ring head');
    scheduler.send(head, 'go');
    await exited;
    const t1 = now();
    return (size * rounds) / ((t1 - t0) / 1000);
  } finally {
    await scheduler.stop();
  }
}

export const RING_SIZES: readonly (readonly [number, number])[] = [
  [1_000, 1_000],
  [10_000, 100],
];
export const RING_SIZES_SMOKE: readonly (readonly [number, number])[] = [
  [100, 100],
  [1_000, 10],
];

export async function run(params: BenchParams): Promise<Metric[]> {
  const sizes = (params.sizes as [number, number][] | undefined) ?? (params.smoke ? RING_SIZES_SMOKE : RING_SIZES);
  const repeats = Number(params.repeats ?? (params.smoke ? 1 : 3));
  await ringOnce(200, 200); // warm-up: compile the hot paths before timing
  const metrics: Metric[] = [];
  for (const [size, rounds] of sizes) {
    const rates: number[] = [];
    for (let r = 0; r < repeats; r++) rates.push(await ringOnce(size, rounds));
    metrics.push({ id: `ring/${size}x${rounds}/rate`, value: Math.max(...rates), unit: 'messages/s' });
  }
  return metrics;
}
