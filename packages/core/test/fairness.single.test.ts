import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, REDUCTIONS_PER_SLICE, SLICE_TIME_LIMIT_MS, Scheduler, type Pid } from '@strand/core';
import { Countdown, Pinger, Ponger, SLOW_STEP_MS, SlowRunCounter, SlowStepper, Spinner, stepClock } from './fixtures/faults.js';

// Single-thread only: exact reductions counts, manual stepping, and timing of slices and
// event-loop turns on one thread.

let scheduler: Scheduler;
afterEach(() => scheduler?.stop());

function reductionsOf(pid: Pid): number {
  const info = scheduler.processInfo(pid);
  if (info === undefined) throw new Error(`process ${pid} is gone`);
  return info.reductions;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('fairness, counted in reductions (manual drive, a clock that never moves)', () => {
  it.each([
    { rps: REDUCTIONS_PER_SLICE, k: 10_000 },
    { rps: 250, k: 2_600 },
  ])(
    'a short job of K=$k yields among 10 CPU-bound processes waits at most ceil(K / $rps) rounds',
    ({ rps, k }) => {
      const clock = new ManualClock();
      scheduler = new Scheduler({
        drive: 'manual',
        clock,
        onCrash: () => {},
        ...(rps === REDUCTIONS_PER_SLICE ? {} : { reductionsPerSlice: rps }),
      });
      const hogs = Array.from({ length: 10 }, () => scheduler.spawn(Spinner));
      // Let them run for a while, so the short job arrives in the middle of a rotation.
      for (let i = 0; i < 25; i++) expect(scheduler.step()).toBe(true);
      expect(sum(hogs.map(reductionsOf))).toBe(25 * rps);

      const hogsBefore = hogs.map(reductionsOf);
      const totalBefore = scheduler.stats.reductions;
      const short = scheduler.spawn(Countdown, k);
      let shortSeen = 0;
      let shortSlices = 0;
      for (let steps = 0; scheduler.processInfo(short) !== undefined; steps++) {
        if (steps > 100_000) throw new Error('the short job never finished');
        expect(scheduler.step()).toBe(true);
        const now = scheduler.processInfo(short)?.reductions ?? k + 1;
        if (now !== shortSeen) {
          // One slice of the short job never exceeds the budget.
          expect(now - shortSeen).toBeLessThanOrEqual(rps);
          shortSlices += 1;
          shortSeen = now;
        }
      }
      expect(clock.now()).toBe(0); // only the reduction budget preempted

      const hogDeltas = hogs.map((pid, i) => reductionsOf(pid) - hogsBefore[i]!);
      const others = sum(hogDeltas);
      const rounds = Math.ceil(k / rps);
      expect(others).toBeLessThanOrEqual(rounds * 10 * rps + 10 * rps);
      // …and the short job did not starve the others either: they kept running meanwhile.
      expect(others).toBeGreaterThanOrEqual((rounds - 1) * 10 * rps);
      // No hog got more than one slice per slice of the short job.
      for (const delta of hogDeltas) expect(delta).toBeLessThanOrEqual(shortSlices * rps);
      // A reduction is one resume: K yields and the final return.
      expect(scheduler.stats.reductions - totalBefore).toBe(others + k + 1);
    },
  );

  it('serves runnable processes first in, first out, one slice each', () => {
    scheduler = new Scheduler({ drive: 'manual', clock: new ManualClock(), onCrash: () => {}, reductionsPerSlice: 10 });
    const pids = Array.from({ length: 5 }, () => scheduler.spawn(Spinner));
    const order: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < pids.length; i++) {
        const before = pids.map(reductionsOf);
        scheduler.step();
        const ran = pids.findIndex((pid, j) => reductionsOf(pid) !== before[j]);
        expect(reductionsOf(pids[ran]!) - before[ran]!).toBe(10);
        order.push(ran);
      }
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  });
});

describe('the time cap on a slice', () => {
  const limitSteps = Math.ceil(SLICE_TIME_LIMIT_MS / SLOW_STEP_MS); // 3

  it('preempts a process whose steps cost 0.4 ms after ceil(1 / 0.4) = 3 steps, and others run in between (manual drive)', () => {
    expect(limitSteps).toBe(3);
    // Round-robin: the alternation below is that policy's; the time cap holds under either.
    scheduler = new Scheduler({ drive: 'manual', clock: stepClock, policy: 'round-robin', onCrash: () => {} });
    const slow = scheduler.spawn(SlowStepper);
    const other = scheduler.spawn(Spinner);
    const slowSlices: number[] = [];
    const otherSlices: number[] = [];
    const ran: string[] = [];
    for (let i = 0; i < 12; i++) {
      const s0 = reductionsOf(slow);
      const o0 = reductionsOf(other);
      scheduler.step();
      const ds = reductionsOf(slow) - s0;
      const dO = reductionsOf(other) - o0;
      if (ds > 0) {
        slowSlices.push(ds);
        ran.push('slow');
      }
      if (dO > 0) {
        otherSlices.push(dO);
        ran.push('other');
      }
    }
    expect(ran).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'slow' : 'other')));
    // The first slice may run a few steps before the cost of a step is known (the
    // clock is read every few steps), but the time cap, not the budget, ends it…
    expect(slowSlices[0]).toBeLessThan(REDUCTIONS_PER_SLICE);
    // …and from then on every slice is exactly the 3 steps that fill 1 ms.
    expect(slowSlices.slice(1)).toEqual([limitSteps, limitSteps, limitSteps, limitSteps, limitSteps]);
    // The cheap process, whose steps take no time on this clock, gets whole budgets.
    expect(otherSlices).toEqual(Array(6).fill(REDUCTIONS_PER_SLICE));
  });

  it('preempts a process whose steps cost 0.4 ms after 3 steps when it shares event-loop turns with a cheap process', async () => {
    scheduler = new Scheduler({ clock: stepClock, onCrash: () => {} });
    const inbox = scheduler.inbox();
    const other = scheduler.spawn(Spinner);
    scheduler.spawn(SlowRunCounter, other, 8, inbox.pid);
    const { runs } = (await inbox.receive()) as { runs: number[] };
    expect(runs).toHaveLength(8);
    // As above: the first run may be longer, until the cost of a step is known. After
    // that no run may exceed 1 ms, however many cheap steps others took before it.
    expect(runs[0]).toBeLessThan(REDUCTIONS_PER_SLICE);
    for (const steps of runs.slice(1)) {
      expect(steps, `steps per run: ${runs.join(', ')}`).toBeGreaterThanOrEqual(1);
      expect(steps, `steps per run: ${runs.join(', ')}`).toBeLessThanOrEqual(limitSteps);
    }
  });
});

// The ordering signal: the scheduler runs its turns from `setImmediate`, and while a process is
// runnable a turn is always queued between turns. So a callback queued from any event-loop
// callback (an immediate or a timer) runs after the turn that was already queued, which runs at
// least one slice: progress read in two such callbacks must strictly grow. No timer has to land
// between turns, so a busy machine cannot reorder it; a scheduler that kept the thread, or
// stopped queueing turns, fails it.
function atNextImmediate<T>(read: () => T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(read())));
}

/** Reads once in a `setTimeout` callback, then again in an immediate queued from that callback. */
function atTimeoutThenImmediate<T>(read: () => T): Promise<[T, T]> {
  return new Promise((resolve) =>
    setTimeout(() => {
      const atTimeout = read();
      setImmediate(() => resolve([atTimeout, read()]));
    }, 1),
  );
}

describe('returning to the event loop (event-loop drive)', () => {
  it('runs setImmediate and setTimeout callbacks, with turns in between, while two CPU-bound processes never end', async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    // Endless as far as this test goes (50 million steps each, about a second), but finite,
    // so that a scheduler that never returns to the event loop fails the test instead of
    // hanging it: the callbacks would then find both processes gone.
    const a = scheduler.spawn(Countdown, 50_000_000);
    const b = scheduler.spawn(Countdown, 50_000_000);

    // Read in the callbacks themselves: undefined once a process is gone.
    const progress = (): (number | undefined)[] => [a, b].map((pid) => scheduler.processInfo(pid)?.reductions);
    const reads = [await atNextImmediate(progress), await atNextImmediate(progress), ...(await atTimeoutThenImmediate(progress))];
    expect(reads.flat().every((r) => r !== undefined), `reads: ${JSON.stringify(reads)}`).toBe(true);
    const totals = reads.map((r) => sum(r as number[]));
    // The first spawn queued the first turn, before the first callback: it ran a slice.
    expect(totals[0]).toBeGreaterThan(0);
    // A turn ran between the two immediates; FIFO, so by then each process has had a slice.
    expect(totals[1]).toBeGreaterThan(totals[0]!);
    expect(reads[1]!.every((r) => r! > 0), `reads: ${JSON.stringify(reads)}`).toBe(true);
    // The timer ran while both still ran, and the turn queued before its immediate ran too.
    expect(totals[2]).toBeGreaterThanOrEqual(totals[1]!);
    expect(totals[3]).toBeGreaterThan(totals[2]!);
    expect(scheduler.processInfo(a)!.status).toBe('runnable');
    expect(scheduler.processInfo(b)!.status).toBe('runnable');
    await scheduler.stop();
    expect(await scheduler.awaitExit(a)).toBe('noproc');
    expect(scheduler.processes()).toEqual([]);
  });

  it('runs setImmediate and setTimeout callbacks, with turns in between, while two processes ping-pong messages without end', async () => {
    scheduler = new Scheduler({ onCrash: () => {} });
    const inbox = scheduler.inbox();
    const ponger = scheduler.spawn(Ponger);
    // Many rounds, far more than fit in one turn (1 ms), but finite, so that a scheduler that
    // never returns to the event loop fails this test instead of hanging it.
    const pinger = scheduler.spawn(Pinger, ponger, 3_000_000, inbox.pid);

    // Both players' reductions: a turn may run only one of them, but always runs one. Undefined
    // once the pinger has finished its rounds.
    const progress = (): number | undefined => {
      const ping = scheduler.processInfo(pinger)?.reductions;
      const pong = scheduler.processInfo(ponger)?.reductions;
      return ping === undefined || pong === undefined ? undefined : ping + pong;
    };
    const reads = [await atNextImmediate(progress), await atNextImmediate(progress), ...(await atTimeoutThenImmediate(progress))];
    expect(reads.every((r) => r !== undefined), `the ping-pong had finished before the callbacks ran: ${reads.join(', ')}`).toBe(true);
    const [first, second, atTimeout, afterTimeout] = reads as number[];
    // The first turn may have been spent on the inbox's process alone (its slice came first, and a
    // turn that the OS paused past its time cap ends after one slice): the first read can be 0.
    // Every turn after it runs one of the players, and one runs between any two callbacks.
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThan(first!);
    expect(atTimeout).toBeGreaterThanOrEqual(second!);
    expect(afterTimeout).toBeGreaterThan(atTimeout!);
  });
});
