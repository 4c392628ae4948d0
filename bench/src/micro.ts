/**
 * Micro-benchmarks of Strand's primitives, with tinybench.
 *
 * Each Strand task runs a batch of operations inside one process (or spawns
 * a batch from plain code) and reports the mean time per operation through
 * tinybench's `overriddenDuration`, so a sample is not dominated by the
 * timer or by the event-loop turn that starts the scheduler. Two tasks
 * measure one operation awaited from plain code, event-loop hop included.
 * Plain-JS rows (a generator step, an array push/shift) are the yardstick,
 * measured in the same run.
 *
 * Run alone: `node --import tsx src/micro.ts [--smoke]`.
 */
import { type FnReturnedObject, Bench } from 'tinybench';
import { Scheduler, actor, receive, self, send, spawn } from '@strand/core';
import { expectNormalExit, now, settle } from './lib/measure.js';
import type { BenchParams, Metric } from './lib/metric.js';
import { benchOptions, metricsOf, perOp } from './lib/tinybench.js';

const BATCH = 1000;
const MAILBOX_DEPTH = 100;

const Empty = actor(import.meta.url, 'bench.micro.Empty', function* () {});

/** Spawns `count` processes that end at once, from inside a process; they run after it. */
const Spawner = actor(import.meta.url, 'bench.micro.Spawner', function* (count: number) {
  for (let i = 0; i < count; i++) spawn(Empty);
});

/** `count` times: send itself a message and receive it. */
const SelfSend = actor(import.meta.url, 'bench.micro.SelfSend', function* (count: number) {
  const me = self();
  for (let i = 0; i < count; i++) {
    send(me, i);
    yield* receive();
  }
});

interface Tagged {
  readonly tag: string;
  readonly n: number;
}
const isHit = (m: unknown): boolean => (m as Tagged).tag === 'hit';

/**
 * Fills its mailbox with `MAILBOX_DEPTH` messages nobody takes, then `count`
 * times sends itself a matching one and receives it with `matcher`, which
 * looks at all the others first.
 */
const Selective = actor(import.meta.url, 'bench.micro.Selective', function* (count: number, usePattern: boolean) {
  const me = self();
  for (let i = 0; i < MAILBOX_DEPTH; i++) send(me, { tag: 'noise', n: i });
  const pattern = { tag: 'hit' };
  for (let i = 0; i < count; i++) {
    send(me, { tag: 'hit', n: i });
    const m = usePattern ? yield* receive(pattern) : yield* receive(isHit);
    if ((m as Tagged).n !== i) throw new Error('selective receive took the wrong message');
  }
});

/** Answers `{ from }` with `'pong'`: the far end of a plain-code round trip. */
const Echo = actor(import.meta.url, 'bench.micro.Echo', function* () {
  for (;;) {
    const m = (yield* receive()) as { from: number };
    send(m.from as never, 'pong');
  }
});

let jsSink = 0;

export async function run(params: BenchParams): Promise<Metric[]> {
  const smoke = params.smoke;
  const scheduler = new Scheduler();
  const echo = scheduler.spawn(Echo);
  const inbox = scheduler.inbox();
  await settle(scheduler);

  const bench = new Bench({ name: 'strand primitives', ...benchOptions(smoke) });

  const batchInProcess = async (start: () => number): Promise<FnReturnedObject> => {
    const t0 = now();
    await expectNormalExit(scheduler, start() as never, 'micro task');
    return perOp(now() - t0, BATCH);
  };

  bench
    .add('js: generator next() (yardstick)', () => {
      const t0 = now();
      const g = (function* () {
        for (;;) yield;
      })();
      for (let i = 0; i < BATCH * 10; i++) g.next();
      return perOp(now() - t0, BATCH * 10);
    })
    .add('js: array push + shift (yardstick)', () => {
      const t0 = now();
      const a: number[] = [];
      for (let i = 0; i < BATCH; i++) {
        a.push(i);
        jsSink += a.shift()!;
      }
      return perOp(now() - t0, BATCH);
    })
    .add('spawn + exit, from plain code (batch of 1000)', async () => {
      const t0 = now();
      for (let i = 0; i < BATCH - 1; i++) scheduler.spawn(Empty);
      await settle(scheduler); // the probe is the 1000th process
      return perOp(now() - t0, BATCH);
    })
    .add('spawn + exit, from a process (batch of 1000)', async () => {
      const t0 = now();
      await expectNormalExit(scheduler, scheduler.spawn(Spawner, BATCH), 'spawner');
      await settle(scheduler); // the children ran and ended
      return perOp(now() - t0, BATCH);
    })
    .add('spawn + exit, one process awaited (event-loop hop included)', async () => {
      await scheduler.awaitExit(scheduler.spawn(Empty));
    })
    .add('send + receive, to itself (batch of 1000)', () => batchInProcess(() => scheduler.spawn(SelfSend, BATCH)))
    .add('send + receive, plain code ↔ process via inbox (round trip)', async () => {
      scheduler.send(echo, { from: inbox.pid });
      await inbox.receive();
    })
    .add(`selective receive, predicate, past ${MAILBOX_DEPTH} messages (batch of 1000)`, () =>
      batchInProcess(() => scheduler.spawn(Selective, BATCH, false)),
    )
    .add(`selective receive, pattern object, past ${MAILBOX_DEPTH} messages (batch of 1000)`, () =>
      batchInProcess(() => scheduler.spawn(Selective, BATCH, true)),
    );

  await bench.run();
  inbox.close();
  await scheduler.stop();
  if (jsSink === 0.5) console.log(jsSink);

  return metricsOf(bench);
}

// Run standalone: print tinybench's own table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const metrics = await run({ smoke: process.argv.includes('--smoke') });
  for (const m of metrics) if (!m.id.endsWith('/rme') && !m.id.endsWith('/samples')) console.log(`${m.id}: ${m.value.toFixed(1)} ${m.unit}`);
}
