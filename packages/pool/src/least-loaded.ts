/**
 * Placement: a new process goes to the worker scheduler with the least work
 * waiting, read from the shared status boards without asking anyone.
 *
 * The score of a scheduler is its run-queue length, plus the processes this
 * thread has placed there since that scheduler last published its board (at the end of a turn)
 * (otherwise a burst of spawns inside one turn would all pick the same one),
 * plus its event-loop utilisation (0 to 1) to break ties between idle ones.
 * Remaining ties go round-robin, so equal schedulers share new work evenly.
 *
 * A scheduler whose current slice has run past `OVERRUN_SLICE_MS` is
 * skipped while any other is not: it is in a step that does not yield (a
 * stall in the making), and whatever is placed there waits for it, or is
 * lost with the thread if the watchdog replaces it.
 */
import { performance } from 'node:perf_hooks';
import type { Placement } from '@strand/core/runtime';
import {
  BOARD_REDUCTIONS,
  BOARD_RUNNING_PID,
  BOARD_RUN_QUEUE,
  BOARD_SLICE_STARTED_AT,
  BOARD_UTILISATION,
} from '@strand/core/runtime';
import type { Boards } from './boards.js';

/**
 * A slice running longer than this (ms) has overrun: slices are capped at
 * about 1 ms, and one BigInt step of the fairness demo takes a few; 250 ms
 * is no honest slice, nor (mostly) an OS pause on a loaded machine, and is
 * well under the stall watchdog's 5 s default.
 */
export const OVERRUN_SLICE_MS = 250;

export class LeastLoaded implements Placement {
  private schedulers: readonly number[] = [];
  private placed: number[] = [];
  private seenTurn: number[] = [];
  private rotor = 0;

  /** `schedulers` are the indices new processes may go to. */
  constructor(
    private readonly boards: Boards,
    schedulers: readonly number[],
  ) {
    this.placeOn(schedulers);
  }

  /** From now on, new processes go to `schedulers` only (a reload's new generation). */
  placeOn(schedulers: readonly number[]): void {
    this.schedulers = [...schedulers];
    this.placed = schedulers.map(() => 0);
    this.seenTurn = schedulers.map(() => 0);
    this.rotor = 0;
  }

  place(): number {
    const n = this.schedulers.length;
    const start = this.rotor;
    this.rotor = (this.rotor + 1) % n;
    const now = performance.timeOrigin + performance.now();
    let best = start;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const index = this.schedulers[i]!;
      // Published at the end of a turn, with the run-queue length: only then does the board include what was placed.
      const turn = this.boards.read(index, BOARD_REDUCTIONS);
      if (turn !== this.seenTurn[i]) {
        this.seenTurn[i] = turn;
        this.placed[i] = 0;
      }
      const overrun =
        this.boards.read(index, BOARD_RUNNING_PID) !== 0 && now - this.boards.read(index, BOARD_SLICE_STARTED_AT) > OVERRUN_SLICE_MS;
      const score =
        (overrun ? OVERRUN_PENALTY : 0) +
        this.boards.read(index, BOARD_RUN_QUEUE) +
        this.placed[i]! +
        this.boards.read(index, BOARD_UTILISATION);
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    this.placed[best]! += 1;
    return this.schedulers[best]!;
  }
}

/** Added to an overrunning scheduler's score: more than any run queue, so it is chosen only when all overrun. */
const OVERRUN_PENALTY = 1e12;
