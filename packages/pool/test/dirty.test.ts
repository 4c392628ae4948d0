import { afterEach, describe, expect, it } from 'vitest';
import { type Pid, TIMEOUT } from '@strand/core';
import { type Runtime, Strand } from '@strand/pool';
import { DirtyCaller, SignallingDirtyCaller } from './fixtures/actors.js';

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
    // Would hold the single dirty thread for 10 minutes if it were not aborted: far past this test's timeout.
    const started = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const long: Pid = rt.spawn(SignallingDirtyCaller, inbox.pid, started, 600_000);
    const exited = rt.awaitExit(long);
    // Kill it once the task runs on the dirty thread (the task says so), not after a guessed delay.
    const running = Atomics.waitAsync(new Int32Array(started), 0, 0);
    if (running.async) await running.value;
    rt.kill(long);
    expect(await exited).toBe('killed');
    rt.spawn(DirtyCaller, inbox.pid, 1, false);
    const next = await inbox.receive();
    expect(next).not.toBe(TIMEOUT);
    expect(next).toEqual({ ok: true, value: 1 });
  }, 30_000);
});
