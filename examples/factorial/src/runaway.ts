/**
 * `GET /runaway` starts a process that never ends and burns CPU, to find and
 * kill from the observer's dashboard (http://127.0.0.1:4000/ while the demo
 * runs). It is spawned unlinked and unmonitored, so it outlives the request
 * that started it and nothing dies with it; the answer, 202, is its pid.
 */
import { performance } from 'node:perf_hooks';
import { actor, formatPid, spawn } from '@strand/core';
import { handler } from '@strand/http';

/**
 * CPU burnt between two yields (ms): about one time slice, so the runaway
 * uses every slice it gets, while each yield leaves the scheduler free to run
 * the other requests and to deliver a kill.
 */
export const RUNAWAY_BUSY_MS = 1;

/** Busy for `RUNAWAY_BUSY_MS`, yields, forever: only an exit signal ends it. */
export const Runaway = actor(import.meta.url, 'Runaway', function* () {
  for (;;) {
    const until = performance.now() + RUNAWAY_BUSY_MS;
    while (performance.now() < until) {
      // burning CPU is the point
    }
    yield;
  }
});

export const RunawayStart = handler(import.meta.url, 'RunawayStart', function* () {
  const pid = spawn(Runaway);
  return { status: 202, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${formatPid(pid)}\n` };
});
