/**
 * Spawning across threads: N processes, each of which, once started, tells
 * a counter process on its own scheduler and then waits in `receive()`
 * (they stay alive, as in the single-thread spawn benchmark). Counters batch
 * what they count into a few messages to the main thread, which would
 * otherwise be flooded with N messages. Figure: processes per second from
 * the first spawn until every process has started (its count arrived).
 *
 * Modes:
 * - `pool-main`: `rt.spawn` × N from plain code on the main thread; placement
 *   (least-loaded) picks each one's scheduler among the 2 workers;
 * - `pool-pinned`: `rt.spawnOn(2, …)` × N from plain code;
 * - `pool-process`: a spawner process pinned on scheduler 1 calls `spawn`
 *   × N (yielding after each, as a preemptible process should); placement
 *   decides where each lands;
 * - `local-main`, `local-process`: the baselines, on one in-thread
 *   `new Scheduler()` (no worker threads): the same N spawns from plain code
 *   and from a spawner process.
 *
 * Where the processes landed comes from the counters (each counts only the
 * processes of its own scheduler).
 */
import { type Pid, Scheduler, TIMEOUT, actor, receive, self, send, spawn } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import type { BenchParams, Metric } from '../lib/metric.js';
import { now, startStrand } from './common.js';

/** A counter reports once this many starts are unreported and its mailbox is empty… */
const REPORT_EVERY = 1_000;
/** …or once it has had nothing to count for this long (ms) with starts unreported. */
const REPORT_IDLE_MS = 1;

/** Counts the starts of the processes on its scheduler; reports `[scheduler, total so far]`; ends on 'stop'. */
export const SpawnCounter = actor(import.meta.url, 'bench.pool.SpawnCounter', function* spawnCounter(report: Pid) {
  const scheduler = ownerOf(self());
  let count = 0;
  let reported = 0;
  for (;;) {
    const unreported = count - reported;
    const message = yield* receive(undefined, unreported === 0 ? Infinity : unreported >= REPORT_EVERY ? 0 : REPORT_IDLE_MS);
    if (message === 'stop') return;
    if (message === TIMEOUT) {
      send(report, [scheduler, count]);
      reported = count;
    } else {
      count += 1;
    }
  }
});

/** Tells the counter of its own scheduler that it started; then waits forever (or ends, when `stay` is false). */
export const SpawnChild = actor(import.meta.url, 'bench.pool.SpawnChild', function* spawnChild(counters: Pid[], stay: boolean) {
  send(counters[ownerOf(self())]!, 1);
  if (stay) yield* receive();
});

/** Counts itself on its own scheduler's counter (so the runner knows it started), waits for `go`, then spawns `n` children, yielding after each spawn. */
export const Spawner = actor(import.meta.url, 'bench.pool.Spawner', function* spawner(counters: Pid[], n: number, stay: boolean) {
  send(counters[ownerOf(self())]!, 1);
  yield* receive();
  for (let i = 0; i < n; i++) {
    spawn(SpawnChild, counters, stay);
    yield;
  }
});

export type SpawnMode = 'pool-main' | 'pool-pinned' | 'pool-process' | 'local-main' | 'local-process';

/** What the spawn benchmarks need of a runtime, so pool and in-thread runs share one driver. */
interface Host {
  spawnCounter(scheduler: number, report: Pid): Pid;
  spawnChild(counters: Pid[], stay: boolean): Pid;
  spawnChildOn2(counters: Pid[], stay: boolean): Pid;
  spawnSpawner(counters: Pid[], n: number, stay: boolean): Pid;
  send(pid: Pid, message: unknown): void;
  inbox(): { pid: Pid; receive(): Promise<unknown>; close(): void };
  readonly workers: number[];
}

/** One round of `n` spawns; returns the wall ms and the processes counted on each scheduler. */
async function spawnOnce(host: Host, mode: SpawnMode, n: number, stay: boolean): Promise<{ ms: number; landed: Map<number, number> }> {
  const inbox = host.inbox();
  const counterPids = host.workers.map((i) => host.spawnCounter(i, inbox.pid));
  // Indexed by scheduler: each child finds its own scheduler's counter.
  const counters: Pid[] = [];
  for (const pid of counterPids) counters[ownerOf(pid)] = pid;
  for (let i = 0; i < counters.length; i++) counters[i] ??= counterPids[0]!;
  const spawner = mode.endsWith('-process') ? host.spawnSpawner(counters, n, stay) : undefined;
  const landed = new Map<number, number>();
  let total = 0;
  if (spawner !== undefined) {
    // The spawner counted itself: it has started, so the clock starts on `go`.
    const [scheduler, count] = (await inbox.receive()) as [number, number];
    landed.set(scheduler, count);
    total = count;
  }
  const t0 = now();
  if (spawner !== undefined) host.send(spawner, 'go');
  else if (mode === 'pool-pinned') for (let i = 0; i < n; i++) host.spawnChildOn2(counters, stay);
  else for (let i = 0; i < n; i++) host.spawnChild(counters, stay);
  const expected = n + (spawner !== undefined ? 1 : 0);
  while (total < expected) {
    const [scheduler, count] = (await inbox.receive()) as [number, number];
    total += count - (landed.get(scheduler) ?? 0);
    landed.set(scheduler, count);
  }
  const ms = now() - t0;
  if (spawner !== undefined) {
    // The spawner is not one of the children.
    const own = ownerOf(spawner);
    landed.set(own, landed.get(own)! - 1);
  }
  for (const pid of counterPids) host.send(pid, 'stop');
  inbox.close();
  return { ms, landed };
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const mode = (params.mode ?? 'pool-main') as SpawnMode;
  const n = Number(params.n ?? (params.smoke ? 10_000 : 100_000));
  const warm = Math.min(n, 20_000);
  const metrics: Metric[] = [];
  const record = (ms: number, landed: Map<number, number>, workers: number[]): void => {
    metrics.push({ id: `spawn/${mode}/rate`, value: n / (ms / 1000), unit: 'processes/s' });
    for (const w of workers) metrics.push({ id: `spawn/${mode}/on-${w}`, value: landed.get(w) ?? 0, unit: 'processes' });
  };

  if (mode.startsWith('local-')) {
    const scheduler = new Scheduler();
    const host: Host = {
      spawnCounter: (_i, report) => scheduler.spawn(SpawnCounter, report),
      spawnChild: (counters, stay) => scheduler.spawn(SpawnChild, counters, stay),
      spawnChildOn2: () => {
        throw new Error('no scheduler 2 in a single scheduler');
      },
      spawnSpawner: (counters, count, stay) => scheduler.spawn(Spawner, counters, count, stay),
      send: (pid, message) => scheduler.send(pid, message),
      inbox: () => scheduler.inbox(),
      workers: [0],
    };
    try {
      await spawnOnce(host, mode, warm, false); // warm-up: the children end at once
      const { ms, landed } = await spawnOnce(host, mode, n, true);
      const index = [...landed.keys()][0]!;
      record(ms, new Map([[1, landed.get(index)!]]), [1]);
    } finally {
      await scheduler.stop();
    }
    return metrics;
  }

  const rt = await startStrand(2);
  const host: Host = {
    spawnCounter: (i, report) => rt.spawnOn(i, SpawnCounter, report),
    spawnChild: (counters, stay) => rt.spawn(SpawnChild, counters, stay),
    spawnChildOn2: (counters, stay) => rt.spawnOn(2, SpawnChild, counters, stay),
    spawnSpawner: (counters, count, stay) => rt.spawnOn(1, Spawner, counters, count, stay),
    send: (pid, message) => rt.send(pid, message),
    inbox: () => rt.inbox(),
    workers: [1, 2],
  };
  try {
    await spawnOnce(host, mode, warm, false);
    const { ms, landed } = await spawnOnce(host, mode, n, true);
    const stats = await rt.stats();
    record(ms, landed, host.workers);
    // Cross-check with the control plane: the children still alive on each scheduler.
    for (const s of stats.slice(1)) metrics.push({ id: `spawn/${mode}/processes-on-${s.index}`, value: s.processes, unit: 'processes' });
  } finally {
    await rt.stop();
  }
  return metrics;
}
