/**
 * The least-attained-service policy, counted in slices on a clock that only
 * the processes move (each step advances it by what the step "cost").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Pid, Scheduler } from '@strand/core';
import { Burner, ShortJob, Worker, policyClock } from './fixtures/scheduling.js';

let scheduler: Scheduler;
afterEach(() => scheduler?.stop());

function start(policy: 'least-attained' | 'round-robin'): Scheduler {
  scheduler = new Scheduler({ drive: 'manual', clock: policyClock, policy, onCrash: () => {} });
  return scheduler;
}

/** Ten long jobs that have each computed for a while (≈ 20 ms of CPU). */
function tenLongJobs(): Pid[] {
  const burners = Array.from({ length: 10 }, () => scheduler.spawn(Burner, 0.5));
  for (let i = 0; i < 200; i++) scheduler.step();
  return burners;
}

/** Slices run until `done()`; fails past `limit`. */
function slicesUntil(done: () => boolean, limit = 10_000): number {
  let slices = 0;
  while (!done()) {
    if (slices >= limit) throw new Error(`not done after ${limit} slices`);
    scheduler.step();
    slices += 1;
  }
  return slices;
}

describe('least-attained service', () => {
  it('runs a short job before ten long ones that were queued first', () => {
    start('least-attained');
    tenLongJobs();
    // 10 ms of work: 10 slices of 1 ms, plus the share the long jobs keep (one pick in ten:
    // at most 2 here) and the slice already due when it arrived.
    const job = scheduler.spawn(ShortJob, 20, 0.5);
    const slices = slicesUntil(() => scheduler.processInfo(job) === undefined);
    expect(slices).toBeLessThanOrEqual(13);
  });

  it('makes the same short job wait behind every long job under round-robin (the contrast)', () => {
    start('round-robin');
    tenLongJobs();
    const job = scheduler.spawn(ShortJob, 20, 0.5);
    const slices = slicesUntil(() => scheduler.processInfo(job) === undefined);
    expect(slices).toBeGreaterThanOrEqual(10 * 10);
  });

  it('keeps every long job progressing under a steady stream of short work', () => {
    start('least-attained');
    const burners = tenLongJobs();
    const before = burners.map((pid) => scheduler.processInfo(pid)!.reductions);
    // A new short job (one slice of work) at every slice: without a share, long jobs would never run.
    for (let i = 0; i < 1_000; i++) {
      scheduler.spawn(ShortJob, 2, 0.4);
      scheduler.step();
    }
    const progress = burners.map((pid, i) => scheduler.processInfo(pid)!.reductions - before[i]!);
    // One pick in ten goes to the long job that waited longest: ~100 slices of 2 steps, shared by 10 jobs.
    for (const steps of progress) expect(steps).toBeGreaterThanOrEqual(2 * 9);
  });

  it('starves no long job even when short work arrives faster than it can be done', () => {
    start('least-attained');
    const burners = tenLongJobs();
    const before = burners.map((pid) => scheduler.processInfo(pid)!.reductions);
    // Each short job needs two slices, one arrives per slice: the backlog only grows.
    for (let i = 0; i < 1_000; i++) {
      scheduler.spawn(ShortJob, 4, 0.5);
      scheduler.step();
    }
    // The share goes to whoever waited longest, queued short jobs included: less each, but never none.
    for (const [i, pid] of burners.entries()) expect(scheduler.processInfo(pid)!.reductions).toBeGreaterThan(before[i]!);
  });

  it('counts long jobs starved by a stream of short work as long: a request that needs more than they had goes first', () => {
    start('least-attained');
    const burners = Array.from({ length: 50 }, () => scheduler.spawn(Burner, 0.5));
    for (let i = 0; i < 200; i++) scheduler.step();
    // Short requests one after another, as clients that wait for each answer send them: the 50 long jobs
    // only get the share (a pick in ten), a few ms each.
    for (let i = 0; i < 2_000; i++) {
      const request = scheduler.spawn(ShortJob, 2, 0.4);
      slicesUntil(() => scheduler.processInfo(request) === undefined);
    }
    expect(Math.max(...burners.map((pid) => scheduler.processInfo(pid)!.cpuMs))).toBeLessThan(20);
    // 20 ms of work. Ordered by CPU alone it would wait for all 50 to reach 20 ms (about 600 slices);
    // after seconds in the queue they count as having used AGE_FLOOR_RATE of that time.
    const job = scheduler.spawn(ShortJob, 40, 0.5);
    const slices = slicesUntil(() => scheduler.processInfo(job) === undefined);
    expect(slices).toBeLessThanOrEqual(30);
  });

  it('does not hold past work against a process that blocked: each request is served as fresh', () => {
    start('least-attained');
    tenLongJobs();
    // Each request costs 10 ms: after two, a process charged for its whole past would be behind the long jobs.
    const worker = scheduler.spawn(Worker, 20, 0.5);
    scheduler.runUntilIdle(0);
    for (let request = 0; request < 5; request++) {
      scheduler.send(worker, 'go');
      const slices = slicesUntil(() => scheduler.processInfo(worker)!.status === 'waiting' && scheduler.processInfo(worker)!.mailboxLength === 0, 500);
      expect(slices).toBeLessThanOrEqual(12);
    }
  });
});
