/**
 * Typed server protocols and tasks, checked by the compiler: programs that
 * must compile, and (`@ts-expect-error`) those that must not. Run by
 * `vitest --typecheck` and by `npm run lint`.
 */
import { type Pid, type Inbox } from '@strand/core';
import { type Ask, type From, type ServerPid, Task, call, callFrom, cast, server, startLink, task } from '@strand/otp';
import { describe, expectTypeOf, it } from 'vitest';
import { type CounterCall, type CounterCast, TypedCounter } from './fixtures/typed-servers.js';

const Sum = task(import.meta.url, 'Sum', function* (xs: readonly number[]) {
  yield;
  return xs.reduce((a, b) => a + b, 0);
});

describe('typed calls', () => {
  it('a started server has a pid typed by its protocol', () => {
    function* body() {
      const pid = yield* startLink(TypedCounter, 0);
      expectTypeOf(pid).toEqualTypeOf<ServerPid<CounterCall, number | 'ok', CounterCast> | undefined>();
      // @ts-expect-error the counter starts from a number
      yield* startLink(TypedCounter, 'zero');
    }
    expectTypeOf(body).toBeFunction();
  });

  it('the reply type follows the request', () => {
    function* body(counter: ServerPid<CounterCall, number | 'ok', CounterCast>) {
      expectTypeOf(yield* call(counter, { op: 'get' })).toEqualTypeOf<number>();
      expectTypeOf(yield* call(counter, { op: 'add', n: 1 })).toEqualTypeOf<'ok'>();
      // @ts-expect-error not a request of the protocol
      yield* call(counter, { op: 'sub', n: 1 });
      // @ts-expect-error an add needs its n
      yield* call(counter, { op: 'add' });
      cast(counter, { op: 'reset' });
      // @ts-expect-error not a cast of the protocol
      cast(counter, { op: 'get' });
    }
    expectTypeOf(body).toBeFunction();
  });

  it('from plain code too', async () => {
    const host = {} as { inbox(): Inbox; whereis(name: string): Pid | undefined; send(dest: Pid | string, message: unknown): void };
    const counter = {} as ServerPid<CounterCall, number | 'ok', CounterCast>;
    expectTypeOf(await callFrom(host, counter, { op: 'get' })).toEqualTypeOf<number>();
    // @ts-expect-error not a request of the protocol
    await callFrom(host, counter, { op: 'nope' });
  });

  it('handleCall must reply with the types its requests name', () => {
    server(import.meta.url, 'WrongReply', {
      init: () => ({ ok: null }),
      // @ts-expect-error a get is answered with a number, not a string
      handleCall(_request: Ask<'get', number>, _from: From, state: null) {
        return { reply: 'forty-two', state };
      },
    });
  });

  it('untyped pids, names and servers keep working', () => {
    const Untyped = server(import.meta.url, 'UntypedServer', {
      init: () => ({ ok: 0 }),
      handleCall: (request: unknown, _from: From, n: number) => ({ reply: request, state: n }),
    });
    function* body(pid: Pid) {
      expectTypeOf(yield* call(pid, 'anything')).toBeUnknown();
      expectTypeOf(yield* call<number>(pid, 'anything')).toEqualTypeOf<number>();
      expectTypeOf(yield* call('by-name', { any: 'shape' })).toBeUnknown();
      const untyped = (yield* startLink(Untyped))!;
      expectTypeOf(yield* call(untyped, { any: 'shape' })).toBeUnknown();
      expectTypeOf(yield* call<string>(untyped, 'x')).toEqualTypeOf<string>();
      cast(pid, 'anything');
    }
    expectTypeOf(body).toBeFunction();
  });
});

describe('typed tasks', () => {
  it('await gives what the task returns', () => {
    function* body() {
      const t = Task.async(Sum, [1, 2, 3]);
      expectTypeOf(yield* Task.await(t)).toEqualTypeOf<number>();
      expectTypeOf(yield* Task.awaitMany([t, Task.async(Sum, [4])])).toEqualTypeOf<number[]>();
      // @ts-expect-error Sum takes an array of numbers
      Task.async(Sum, ['1']);
    }
    expectTypeOf(body).toBeFunction();
  });
});
