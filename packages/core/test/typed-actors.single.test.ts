import { afterEach, describe, expect, it } from 'vitest';
import { type DownMessage, type Pid, Scheduler, type Self, TIMEOUT, actor, monitor, send, self, spawn } from '@strand/core';

// Typed actors at run time: `this` in a body is the process's view of itself.

type CounterMsg = { readonly type: 'inc' } | { readonly type: 'get'; readonly replyTo: Pid<number> };

const Counter = actor(import.meta.url, 'TypedCounter', function* (this: Self<CounterMsg>, start: number) {
  let n = start;
  for (;;) {
    const msg = yield* this.receive();
    if (msg.type === 'inc') n += 1;
    else send(msg.replyTo, n);
  }
});

type WatcherMsg = { readonly type: 'go'; readonly report: Pid<unknown[]> } | DownMessage;

/** Takes messages out of order with typed patterns, and reports what it saw. */
const Watcher = actor(import.meta.url, 'TypedWatcher', function* (this: Self<WatcherMsg>) {
  const child = spawn(Counter, 0);
  const ref = monitor(child);
  const go = yield* this.receive({ type: 'go' });
  const none = yield* this.receive({ type: 'DOWN', ref }, 0);
  const seen: unknown[] = [this.self() === self(), none === TIMEOUT];
  send(go.report, seen);
});

let scheduler: Scheduler;
afterEach(() => scheduler?.stop());

describe('typed actors', () => {
  it('receive through `this` gets the messages in order', async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    const inbox = scheduler.inbox<number>();
    const counter = scheduler.spawn(Counter, 40);
    scheduler.send(counter, { type: 'inc' });
    scheduler.send(counter, { type: 'inc' });
    scheduler.send(counter, { type: 'get', replyTo: inbox.pid });
    expect(await inbox.receive()).toBe(42);
  });

  it('`this.self()` is the process, and a typed pattern selects as an untyped one does', async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    const inbox = scheduler.inbox<unknown[]>();
    const watcher = scheduler.spawn(Watcher);
    scheduler.send(watcher, { type: 'go', report: inbox.pid });
    expect(await inbox.receive()).toEqual([true, true]);
  });
});
