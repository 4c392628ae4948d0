/**
 * ping-pong: two processes, N round trips. Ping sends `{ from, n }`, pong
 * answers `n` to `from` (the Erlang side sends `{From, N}` and answers `N`).
 * Timed from `go` to ping's exit.
 *
 * Erlang counterpart: `pingpong:N` in erlang/strand_bench.erl.
 */
import { type Pid, Scheduler, actor, receive, self, send } from '@strand/core';
import { expectNormalExit, now, settle } from '../lib/measure.js';
import type { BenchParams, Metric } from '../lib/metric.js';

interface Ball {
  readonly from: Pid;
  readonly n: number;
}

export const Pong = actor(import.meta.url, 'bench.Pong', function* pong() {
  for (;;) {
    const ball = (yield* receive()) as Ball;
    send(ball.from, ball.n);
  }
});

export const Ping = actor(import.meta.url, 'bench.Ping', function* ping(pong: Pid, trips: number) {
  const me = self();
  yield* receive(); // go
  for (let n = trips; n > 0; n--) {
    send(pong, { from: me, n });
    const back = yield* receive();
    if (back !== n) throw new Error(`ping-pong: ${String(back)} came back, expected ${n}`);
  }
});

/** One timed run on a fresh scheduler; returns round trips per second. */
export async function pingPongOnce(trips: number): Promise<number> {
  const scheduler = new Scheduler();
  try {
    const pong = scheduler.spawn(Pong);
    const ping = scheduler.spawn(Ping, pong, trips);
    await settle(scheduler);
    const exited = expectNormalExit(scheduler, ping, 'ping');
    const t0 = now();
    scheduler.send(ping, 'go');
    await exited;
    const t1 = now();
    return trips / ((t1 - t0) / 1000);
  } finally {
    await scheduler.stop();
  }
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const trips = Number(params.n ?? (params.smoke ? 20_000 : 1_000_000));
  const repeats = Number(params.repeats ?? (params.smoke ? 1 : 3));
  await pingPongOnce(Math.min(trips, 50_000)); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) rates.push(await pingPongOnce(trips));
  return [{ id: `pingpong/${trips}/rate`, value: Math.max(...rates), unit: 'round trips/s' }];
}
