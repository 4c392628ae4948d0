// Memory limits on scheduler threads: a leaking process is killed with a
// MemoryLimitError before V8's limit takes its thread, and the processes
// that share the thread carry on; a flooded mailbox ends its process.
import { afterEach, describe, expect, it } from 'vitest';
import { type CrashReport, InvalidOptionError } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { Echo, Leaker, type Reply } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

describe('memory limits', () => {
  it('a leaking process is killed before its thread runs out of heap; its neighbours on the thread live on', async () => {
    const crashes: CrashReport[] = [];
    rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], memory: { threadHeapMb: 128, softLimit: 0.6 }, onCrash: (r) => crashes.push(r) });
    const inbox = rt.inbox();
    const neighbour = rt.spawnOn(1, Echo);
    const leaker = rt.spawnOn(1, Leaker);
    expect(await rt.awaitExit(leaker)).toMatchObject({ error: { name: 'MemoryLimitError' } });
    expect(crashes.map((c) => c.pid)).toEqual([leaker]);
    // Same thread, same process: nothing was replaced.
    rt.send(neighbour, { from: inbox.pid, body: 'still here' });
    expect(await inbox.receive(undefined, 20_000)).toEqual({ echo: 'still here', by: neighbour } satisfies Reply);
    expect((await rt.stats()).map((s) => s.generation)).toEqual([0, 0, 0]);
  }, 60_000);

  it('bad memory options are InvalidOptionErrors', async () => {
    await expect(Strand.start({ memory: { threadHeapMb: 1 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(Strand.start({ memory: { threadHeapMb: 64, softLimit: 1.5 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(Strand.start({ memory: { softLimit: 0.5 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(Strand.start({ memory: { mailboxLimit: 0 } })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
