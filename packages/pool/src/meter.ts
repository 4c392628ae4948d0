/**
 * Measures, every `METER_INTERVAL_MS`, the event-loop utilisation of this
 * thread and the reductions its scheduler ran, and publishes the utilisation
 * on the scheduler's board for placement.
 */
import { performance } from 'node:perf_hooks';
import type { Scheduler } from '@strand/core';
import { BOARD_UTILISATION } from '@strand/core/runtime';
import type { Meter } from './control.js';

/** How often the meter samples, in ms: often enough for placement to see load shift, rarely enough to cost nothing. */
export const METER_INTERVAL_MS = 250;

export class ThreadMeter implements Meter {
  utilisation = 0;
  reductionsPerSecond = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  private lastElu = performance.eventLoopUtilization();
  private lastReductions = 0;
  private lastAt = performance.now();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly board: Float64Array,
  ) {
    this.timer = setInterval(this.sample, METER_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private readonly sample = (): void => {
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const now = performance.now();
    const reductions = this.scheduler.stats.reductions;
    this.utilisation = elu.utilization;
    this.reductionsPerSecond = ((reductions - this.lastReductions) * 1000) / (now - this.lastAt);
    this.lastReductions = reductions;
    this.lastAt = now;
    this.board[BOARD_UTILISATION] = this.utilisation;
  };
}
