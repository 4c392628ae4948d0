import { actor, receive, send, sleep, type Pid } from '@strand/core';

/** Computes n! one multiply per step, reporting progress every `every` steps. */
export const Factorial = actor(import.meta.url, 'Factorial', function* (label: string, n: number, observer: Pid) {
  let acc = 1n;
  const every = Math.max(1, Math.floor(n / 20));
  for (let i = 2; i <= n; i++) {
    acc *= BigInt(i);
    if (i % every === 0) send(observer, { type: 'progress', label, done: i / n });
    yield;
  }
  send(observer, { type: 'done', label, digits: acc.toString().length });
});

/** Wakes every `periodMs` and reports how late the wake-up was. */
export const Ticker = actor(import.meta.url, 'Ticker', function* (periodMs: number, ticks: number, observer: Pid) {
  for (let tick = 1; tick <= ticks; tick++) {
    const due = performance.now() + periodMs;
    yield* sleep(periodMs);
    send(observer, { type: 'tick', tick, lateMs: performance.now() - due });
  }
});

/** A short computation, spawned while the long ones run. */
export const Quick = actor(import.meta.url, 'Quick', function* (observer: Pid) {
  const started = performance.now();
  let acc = 1n;
  for (let i = 2; i <= 2000; i++) {
    acc *= BigInt(i);
    yield;
  }
  send(observer, { type: 'quick', ms: performance.now() - started, digits: acc.toString().length });
});

/** Waits for one message, so the demo can show a process blocked in receive costs nothing. */
export const Idle = actor(import.meta.url, 'Idle', function* () {
  yield* receive();
});
