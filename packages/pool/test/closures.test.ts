// Actors must be defined once, at the top level of their module: another
// thread finds them by importing the module. A closure cannot be found there.
import { afterEach, describe, expect, it } from 'vitest';
import { type CrashReport, InvalidActorError, actor, isActor, receive } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand } from '@strand/pool';
import { Echo, type Reply, makeClosureActor } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime | undefined;
let crashes: CrashReport[] = [];

async function start(): Promise<Runtime> {
  crashes = [];
  rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: (r) => crashes.push(r) });
  return rt;
}

afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && 'echo' in m;

describe('actors defined in closures', () => {
  it('a closure actor spawned onto a worker exits with an InvalidActorError reason saying it is not defined at top level', async () => {
    const runtime = await start();
    const inbox = runtime.inbox();
    const Closure = makeClosureActor('hi');
    expect(isActor(Closure)).toBe(true);
    for (const index of [1, 2]) {
      const pid = runtime.spawnOn(index, Closure, inbox.pid);
      expect(ownerOf(pid)).toBe(index);
      const reason = await runtime.awaitExit(pid);
      expect(reason).toMatchObject({ error: { name: 'InvalidActorError' } });
      const message = (reason as { error: { message: string } }).error.message;
      expect(message).toContain('"Closure"');
      expect(message).toContain('at its top level');
      expect(message).toContain('closures');
      expect(crashes.find((c) => c.pid === pid)).toMatchObject({ actor: 'Closure', reason });
    }
    // It never ran: no greeting came.
    expect(await inbox.receive((m) => typeof m === 'object' && m !== null && 'greeting' in m, 0)).toBeTypeOf('symbol');
    // The threads are fine: a top-level actor on each still answers.
    for (const index of [1, 2]) {
      const pid = runtime.spawnOn(index, Echo);
      runtime.send(pid, { from: inbox.pid, body: index });
      expect(await inbox.receive(isReply, 10_000)).toEqual({ echo: index, by: pid });
    }
  });

  it('defining one actor identity twice with different bodies throws InvalidActorError', () => {
    const url = new URL('./virtual-module-for-closures-test.ts', import.meta.url).href;
    const first = actor(url, 'Twice', function* () {
      yield* receive();
    });
    // The same body again is the same actor, not an error.
    expect(actor(url, 'Twice', first.body)).toBe(first);
    let thrown: unknown;
    try {
      actor(url, 'Twice', function* () {
        yield* receive();
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidActorError);
    expect((thrown as InvalidActorError).code).toBe('ERR_STRAND_INVALID_ACTOR');
    expect((thrown as Error).message).toContain('defined twice');
    // As a closure called twice does: each call makes a new body under the same identity.
    expect(() => {
      makeClosureActor('one');
      makeClosureActor('two');
    }).toThrow(InvalidActorError);
  });

  it('spawning something that is not an actor throws InvalidActorError, and nothing is started', async () => {
    const runtime = await start();
    const notActors: unknown[] = [
      {},
      null,
      'Echo',
      function* () {
        yield;
      },
      { module: Echo.module, name: Echo.name, body: () => undefined },
    ];
    const before = (await runtime.stats()).reduce((n, s) => n + s.processes, 0);
    for (const value of notActors) {
      expect(() => runtime.spawn(value as typeof Echo)).toThrow(InvalidActorError);
      expect(() => runtime.spawnOn(1, value as typeof Echo)).toThrow(InvalidActorError);
    }
    expect((await runtime.stats()).reduce((n, s) => n + s.processes, 0)).toBe(before);
  });
});
