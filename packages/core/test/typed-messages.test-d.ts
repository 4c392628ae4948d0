/**
 * Typed messages are checked by the compiler only: these are the programs
 * that must compile, and (`@ts-expect-error`) those that must not. Run by
 * `vitest --typecheck` and by `npm run lint`; an expected error that does
 * not happen fails both.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type DownMessage,
  type Inbox,
  type Pid,
  type Ref,
  type Self,
  type Timeout,
  actor,
  link,
  monitor,
  receive,
  self,
  send,
  spawn,
  spawnLink,
  spawnMonitor,
  Scheduler,
} from '@strand/core';

type Inc = { readonly type: 'inc' };
type Get = { readonly type: 'get'; readonly replyTo: Pid<number> };
type CounterMsg = Inc | Get;

const Counter = actor(import.meta.url, 'TypedCounter', function* (this: Self<CounterMsg>, start: number) {
  let n = start;
  for (;;) {
    const msg = yield* this.receive();
    expectTypeOf(msg).toEqualTypeOf<CounterMsg>();
    if (msg.type === 'inc') n += 1;
    else send(msg.replyTo, n);
  }
});

const Untyped = actor(import.meta.url, 'Untyped', function* (label: string) {
  const anything = yield* receive();
  expectTypeOf(anything).toBeUnknown();
  return label;
});

describe('typed pids', () => {
  it('spawn types the pid by what the actor accepts', () => {
    function* parent() {
      expectTypeOf(spawn(Counter, 0)).toEqualTypeOf<Pid<CounterMsg>>();
      expectTypeOf(spawnLink(Counter, 0)).toEqualTypeOf<Pid<CounterMsg>>();
      expectTypeOf(spawnMonitor(Counter, 0)).toEqualTypeOf<[Pid<CounterMsg>, Ref]>();
      // @ts-expect-error the actor's argument is a number
      spawn(Counter, 'zero');
      yield;
    }
    expectTypeOf(parent).toBeFunction();
  });

  it('send accepts only what the pid accepts', () => {
    const counter = {} as Pid<CounterMsg>;
    send(counter, { type: 'inc' });
    send(counter, { type: 'get', replyTo: {} as Pid<number> });
    // @ts-expect-error not a CounterMsg
    send(counter, { type: 'dec' });
    // @ts-expect-error a get needs somewhere to reply
    send(counter, { type: 'get' });
    // @ts-expect-error the reply goes to a pid of strings, not numbers
    send(counter, { type: 'get', replyTo: {} as Pid<string> });
    // @ts-expect-error a number is not a CounterMsg
    send(counter, 1);
  });

  it('is contravariant: a pid that accepts more stands for one that accepts less, not the reverse', () => {
    expectTypeOf<Pid<CounterMsg>>().toMatchTypeOf<Pid<Inc>>();
    expectTypeOf<Pid<Inc>>().not.toMatchTypeOf<Pid<CounterMsg>>();
    expectTypeOf<Pid<string>>().not.toMatchTypeOf<Pid<number>>();
  });

  it('untyped pids and names keep working', () => {
    const pid = {} as Pid;
    send(pid, 'anything');
    send(pid, { any: ['shape'] });
    send('a-name', 42);
    const typed: Pid<CounterMsg> = {} as Pid<CounterMsg>;
    const untyped: Pid = typed;
    link(untyped);
    link(typed);
    monitor(typed);
    function* body() {
      expectTypeOf(spawn(Untyped, 'x')).toEqualTypeOf<Pid>();
      expectTypeOf(self()).toEqualTypeOf<Pid>();
      yield;
    }
    expectTypeOf(body).toBeFunction();
  });
});

describe('typed receive', () => {
  it('narrows by pattern and type guard, and refuses patterns the type cannot match', () => {
    function* body(this: Self<CounterMsg | DownMessage>) {
      expectTypeOf(yield* this.receive({ type: 'get' })).toEqualTypeOf<Get>();
      expectTypeOf(yield* this.receive({ type: 'DOWN', ref: {} as Ref })).toEqualTypeOf<DownMessage>();
      expectTypeOf(yield* this.receive((m): m is Inc => m.type === 'inc')).toEqualTypeOf<Inc>();
      // TypeScript infers this arrow to be a type guard (m is CounterMsg).
      expectTypeOf(yield* this.receive((m) => m.type !== 'DOWN')).toEqualTypeOf<CounterMsg>();
      expectTypeOf(yield* this.receive((m) => 'ref' in m && m.ref === undefined)).toEqualTypeOf<CounterMsg | DownMessage>();
      expectTypeOf(yield* this.receive({ type: 'inc' }, 100)).toEqualTypeOf<Inc | Timeout>();
      expectTypeOf(yield* this.receive(undefined, 0)).toEqualTypeOf<CounterMsg | DownMessage | Timeout>();
      expectTypeOf(this.self()).toEqualTypeOf<Pid<CounterMsg | DownMessage>>();
      // @ts-expect-error no CounterMsg has type 'dec'
      yield* this.receive({ type: 'dec' });
      // @ts-expect-error a misspelt property matches nothing
      yield* this.receive({ tpye: 'inc' });
    }
    expectTypeOf(body).toBeFunction();
  });

  it('untyped receive narrows by type guard and pattern as before', () => {
    function* body() {
      expectTypeOf(yield* receive((m): m is number => typeof m === 'number')).toEqualTypeOf<number>();
      expectTypeOf(yield* receive({ type: 'x' })).toMatchTypeOf<{ readonly type: 'x' }>();
    }
    expectTypeOf(body).toBeFunction();
  });
});

describe('typed inboxes and schedulers', () => {
  it('an inbox typed by what it accepts receives that type', async () => {
    const scheduler = {} as Scheduler;
    const inbox = {} as Inbox<number | 'done'>;
    expectTypeOf(inbox.pid).toEqualTypeOf<Pid<number | 'done'>>();
    expectTypeOf(await inbox.receive()).toEqualTypeOf<number | 'done'>();
    expectTypeOf(await inbox.receive((m): m is number => typeof m === 'number', 10)).toEqualTypeOf<number | Timeout>();
    scheduler.send(inbox.pid, 3);
    // @ts-expect-error the inbox takes numbers and 'done'
    scheduler.send(inbox.pid, 'three');
    expectTypeOf(scheduler.spawn(Counter, 1)).toEqualTypeOf<Pid<CounterMsg>>();
    expectTypeOf(scheduler.inbox<string>()).toEqualTypeOf<Inbox<string>>();
  });
});
