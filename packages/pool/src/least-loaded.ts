/**
 * Placement: a new process goes to the worker scheduler with the least work
 * waiting, read from the shared status boards without asking anyone.
 *
 * The score of a scheduler is its run-queue length, plus the processes this
 * thread has placed there since that scheduler last published its board (at the end of a turn)
 * (otherwise a burst of spawns inside one turn would all pick the same one),
 * plus its event-loop utilisation (0 to 1) to break ties between idle ones.
 * Remaining ties go round-robin, so equal schedulers share new work evenly.
 */
import type { Placement } from '@strand/core/runtime';
import { BOARD_REDUCTIONS, BOARD_RUN_QUEUE, BOARD_UTILISATION } from '@strand/core/runtime';
import type { Boards } from './boards.js';

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
      const score =
        this.boards.read(index, BOARD_RUN_QUEUE) + this.placed[i]! + this.boards.read(index, BOARD_UTILISATION);
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    this.placed[best]! += 1;
    return this.schedulers[best]!;
  }
}
