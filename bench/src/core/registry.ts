/**
 * Micro-benchmarks of the name registry and of a send nobody receives:
 * register + unregister, whereis, and send to a dead pid
 * (which Erlang drops silently, so it must stay cheap). Plain code on one
 * scheduler; batches of BATCH operations per sample, like src/micro.ts.
 */
import { Bench } from 'tinybench';
import { Scheduler, actor, receive } from '@strand/core';
import { now, settle } from '../lib/measure.js';
import type { BenchParams, Metric } from '../lib/metric.js';
import { benchOptions, metricsOf, perOp } from '../lib/tinybench.js';

const BATCH = 1000;
/** Names in the registry while it is looked up, so whereis is not a lookup in an empty map. */
const NAMES = 1000;

/** Blocks for ever: a live process to register under a name (one name per process, as in Erlang). */
const Idle = actor(import.meta.url, 'bench.registry.Idle', function* () {
  yield* receive(() => false);
});
const Empty = actor(import.meta.url, 'bench.registry.Empty', function* () {});

export async function run(params: BenchParams): Promise<Metric[]> {
  const scheduler = new Scheduler();
  const spare = scheduler.spawn(Idle);
  const dead = scheduler.spawn(Empty);
  await scheduler.awaitExit(dead);
  await settle(scheduler);
  const names = Array.from({ length: NAMES }, (_, i) => `name-${i}`);
  for (const name of names.slice(1)) scheduler.register(name, scheduler.spawn(Idle));

  const batch = (op: (i: number) => void) => () => {
    const t0 = now();
    for (let i = 0; i < BATCH; i++) op(i);
    return perOp(now() - t0, BATCH);
  };
  const bench = new Bench({ name: 'strand registry', ...benchOptions(params.smoke) })
    .add(`registry: register + unregister (${NAMES} names, batch of ${BATCH})`, batch(() => {
      scheduler.register('name-0', spare);
      scheduler.unregister('name-0');
    }))
    .add(`registry: whereis (${NAMES} names, batch of ${BATCH})`, batch((i) => void scheduler.whereis(names[(i % (NAMES - 1)) + 1]!)))
    .add(`send to a dead pid, dropped (batch of ${BATCH})`, batch((i) => scheduler.send(dead, i)));

  await bench.run();
  await scheduler.stop();
  return metricsOf(bench);
}
