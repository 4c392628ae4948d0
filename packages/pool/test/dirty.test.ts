import { afterEach, describe, expect, it } from 'vitest';
import { type Pid, TIMEOUT } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { DirtyCaller } from './fixtures/actors.js';

const preload = [new URL('./fixtures/register-tsx.mjs', import.meta.url).href];
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

describe('dirty work', () => {
  it('runs a non-yielding function on the dirty pool and returns its result to the process', async () => {
    rt = await Strand.start({ schedulers: 2, preload, dirty: { threads: 1 } });
    const inbox = rt.inbox();
    rt.spawn(DirtyCaller, inbox.pid, 20, false);
    expect(await inbox.receive(undefined, 15_000)).toEqual({ ok: true, value: 20 });
  });

  it('throws DirtyTaskError in the process when the task throws, with the task error', async () => {
    rt = await Strand.start({ schedulers: 2, preload, dirty: { threads: 1 } });
    const inbox = rt.inbox();
    rt.spawn(DirtyCaller, inbox.pid, 0, true);
    expect(await inbox.receive(undefined, 15_000)).toEqual({ ok: false, error: 'DirtyTaskError(RangeError): no good' });
  });

  it('cancels the task when its process is killed: the only dirty thread is free again at once', async () => {
    rt = await Strand.start({ schedulers: 2, preload, dirty: { threads: 1 } });
    const inbox = rt.inbox();
    // Would hold the single dirty thread for 60 s if it were not aborted.
    const long: Pid = rt.spawn(DirtyCaller, inbox.pid, 60_000, false);
    const exited = rt.awaitExit(long);
    await new Promise((resolve) => setTimeout(resolve, 300));
    rt.kill(long);
    expect(await exited).toBe('killed');
    rt.spawn(DirtyCaller, inbox.pid, 1, false);
    const next = await inbox.receive(undefined, 20_000);
    expect(next).not.toBe(TIMEOUT);
    expect(next).toEqual({ ok: true, value: 1 });
  });
});
