// Messages between one pair of processes arrive in send order, whatever
// threads the two are on (batched envelopes over one port per pair of threads).
import { afterEach, describe, expect, it } from 'vitest';
import { type Inbox, type Pid } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { type Runtime, Strand } from '@strand/pool';
import { Collector, Sender } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
let rt: Runtime | undefined;

afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function collected(inbox: Inbox, collector: Pid): Promise<Record<string, number[]>> {
  const report = await inbox.receive((m) => typeof m === 'object' && m !== null && (m as { by?: Pid }).by === collector, 30_000);
  expect(report).not.toBeTypeOf('symbol');
  return (report as { byTag: Record<string, number[]> }).byTag;
}

describe('message order across threads', () => {
  it('10,000 messages from a process on scheduler 1 to one on scheduler 2 arrive in send order', async () => {
    rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
    const inbox = rt.inbox();
    const N = 10_000;
    const collector = rt.spawnOn(2, Collector, inbox.pid, N);
    // Yielding every 7 sends spreads the messages over many slices, turns and batches.
    const sender = rt.spawnOn(1, Sender, collector, 'one', N, 7);
    expect([ownerOf(sender), ownerOf(collector)]).toEqual([1, 2]);
    const byTag = await collected(inbox, collector);
    expect(Object.keys(byTag)).toEqual(['one']);
    expect(byTag.one!.length).toBe(N);
    expect(byTag.one).toEqual(range(N));
  });

  it('10,000 messages sent in one step (more than one batch) arrive in send order', async () => {
    rt = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {} });
    const inbox = rt.inbox();
    const N = 10_000;
    const collector = rt.spawnOn(2, Collector, inbox.pid, N);
    rt.spawnOn(1, Sender, collector, 'burst', N, N);
    expect((await collected(inbox, collector)).burst).toEqual(range(N));
  });

  it('three senders on three different threads to one receiver: each sender\'s order holds', async () => {
    rt = await Strand.start({ schedulers: 3, preload: [PRELOAD], onCrash: () => {} });
    const inbox = rt.inbox();
    const N = 10_000;
    const collector = rt.spawnOn(3, Collector, inbox.pid, 3 * N);
    const senders = [rt.spawnOn(1, Sender, collector, 'from-1', N, 5), rt.spawnOn(2, Sender, collector, 'from-2', N, 11)];
    expect(senders.map(ownerOf)).toEqual([1, 2]);
    // The third sender is plain code on the main thread.
    for (let seq = 0; seq < N; seq++) {
      rt.send(collector, { tag: 'from-main', seq });
      if (seq % 1000 === 999) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const byTag = await collected(inbox, collector);
    expect(Object.keys(byTag).sort()).toEqual(['from-1', 'from-2', 'from-main']);
    for (const tag of ['from-1', 'from-2', 'from-main']) {
      expect(byTag[tag]!.length, tag).toBe(N);
      expect(byTag[tag], tag).toEqual(range(N));
    }
  });
});
