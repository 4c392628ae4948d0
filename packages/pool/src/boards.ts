/**
 * The status boards of every scheduler of a runtime, in one
 * `SharedArrayBuffer`: scheduler `i` writes its own board (layout in
 * @strand/core/runtime), every thread reads them all.
 */
import { BOARD_SLOTS, SCHEDULER_SLOTS } from '@strand/core/runtime';

export class Boards {
  readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;

  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(SCHEDULER_SLOTS * BOARD_SLOTS * Float64Array.BYTES_PER_ELEMENT);
    this.values = new Float64Array(this.buffer);
  }

  /** Scheduler `index`'s board, to hand to its `Scheduler`. */
  board(index: number): Float64Array {
    return this.values.subarray(index * BOARD_SLOTS, (index + 1) * BOARD_SLOTS);
  }

  read(index: number, slot: number): number {
    return this.values[index * BOARD_SLOTS + slot]!;
  }

  write(index: number, slot: number, value: number): void {
    this.values[index * BOARD_SLOTS + slot] = value;
  }
}
