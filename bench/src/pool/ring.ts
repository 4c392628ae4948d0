/**
 * Cross-thread ring: `size` processes in a ring, neighbours on different
 * worker schedulers (process i on scheduler 1 + i mod 2), every process
 * starting with a token of its own, so `size` tokens are in flight at once.
 * A token is a hop count: each process forwards it to its successor with one
 * hop less; at 0 it reports to an inbox on the main thread. With an even
 * `size` every hop crosses threads. Figure: hops (messages) per second, from
 * the first token sent to the last report.
 *
 * `placement: 'one'` puts every process on scheduler 1 instead: the same
 * traffic without crossing threads, for reference.
 *
 * Measured against src/pool/raw-ring.ts (two plain worker threads and
 * `postMessage`) in the same run.
 */
import { type Pid, actor, receive, send } from '@strand/core';
import type { Runtime } from '@strand/pool';
import type { BenchParams, Metric } from '../lib/metric.js';
import { now, startStrand } from './common.js';

/** A ring member: learns its successor, then forwards every token; a token at its last hop is reported. */
export const PoolRingNode = actor(import.meta.url, 'bench.pool.RingNode', function* ringNode(report: Pid) {
  const next = (yield* receive()) as Pid;
  for (;;) {
    const hops = (yield* receive()) as number;
    if (hops === 0) send(report, 'done');
    else send(next, hops - 1);
  }
});

export type RingPlacement = 'alternate' | 'one';

/** One ring on `rt`: returns messages per second. The processes are killed afterwards. */
export async function ringOnce(rt: Runtime, size: number, hops: number, placement: RingPlacement): Promise<number> {
  const inbox = rt.inbox();
  const pids = Array.from({ length: size }, (_, i) =>
    rt.spawnOn(placement === 'alternate' ? 1 + (i % 2) : 1, PoolRingNode, inbox.pid),
  );
  pids.forEach((pid, i) => rt.send(pid, pids[(i + 1) % size]!));
  // A token with no hops left from each: all of them started, learnt their successor and answer.
  for (const pid of pids) rt.send(pid, 0);
  for (let i = 0; i < size; i++) await inbox.receive();

  const t0 = now();
  for (const pid of pids) rt.send(pid, hops);
  for (let i = 0; i < size; i++) await inbox.receive();
  const t1 = now();

  for (const pid of pids) rt.kill(pid);
  await Promise.all(pids.map((pid) => rt.awaitExit(pid)));
  inbox.close();
  return (size * hops) / ((t1 - t0) / 1000);
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const size = Number(params.size ?? 1_000);
  const hops = Number(params.hops ?? (params.smoke ? 500 : 5_000));
  const placement = (params.placement ?? 'alternate') as RingPlacement;
  if (size % 2 !== 0) throw new Error('ring size must be even, so that every hop crosses threads');
  const rt = await startStrand(2);
  try {
    await ringOnce(rt, size, Math.min(hops, 300), placement); // warm-up: compile the hot paths on both threads
    const rate = await ringOnce(rt, size, hops, placement);
    return [{ id: `ring/${placement}/rate`, value: rate, unit: 'messages/s' }];
  } finally {
    await rt.stop();
  }
}
