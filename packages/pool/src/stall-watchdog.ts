/**
 * The stall watchdog: finds a process that runs on without yielding.
 *
 * Contract
 * - Every `STALL_CHECK_INTERVAL_MS` it reads each worker's status board (no
 *   message to the thread: a stalled thread cannot answer). A process that
 *   has run longer than `stallTimeoutMs` in one slice is a stall.
 * - Every stall is reported (`onStall`, default a line on stderr). With
 *   `stallPolicy: 'replace'` the host replaces the thread; with `'report'`
 *   a given stall is reported once, and forgotten when that process yields.
 */
import { performance } from 'node:perf_hooks';
import { type ExitReason, type Pid, formatPid } from '@strand/core';
import { BOARD_RUNNING_ACTOR, BOARD_RUNNING_PID, BOARD_SLICE_STARTED_AT } from '@strand/core/runtime';
import type { Boards } from './boards.js';
import type { RuntimeSettings, StallReport } from './runtime-options.js';
import type { SchedulerThreads } from './threads.js';

/** How often the watchdog reads the boards, in ms. */
export const STALL_CHECK_INTERVAL_MS = 100;

/** What the watchdog asks of the runtime. */
export interface StallWatchdogHost {
  readonly settings: RuntimeSettings;
  readonly boards: Boards;
  readonly threads: SchedulerThreads;
  /** Indices being replaced, or whose stall was reported and not yet over: not looked at. */
  readonly replacing: Set<number>;
  replace(index: number, stalledPid: Pid, reason: ExitReason): void;
}

export class StallWatchdog {
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly host: StallWatchdogHost) {
    this.timer = setInterval(() => this.check(), STALL_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const { settings, boards, replacing } = this.host;
    const now = performance.timeOrigin + performance.now();
    for (const thread of this.host.threads.all()) {
      if (thread.retiring || replacing.has(thread.index)) continue;
      const pid = boards.read(thread.index, BOARD_RUNNING_PID) as Pid;
      if (pid === 0) continue;
      const runningForMs = now - boards.read(thread.index, BOARD_SLICE_STARTED_AT);
      if (runningForMs < settings.stallTimeoutMs) continue;
      const actor = thread.actors.get(boards.read(thread.index, BOARD_RUNNING_ACTOR)) ?? 'unknown actor';
      const action = settings.stallPolicy === 'replace' ? 'replaced' : 'reported';
      this.report({ scheduler: thread.index, pid, actor, runningForMs, action });
      if (action === 'replaced') {
        const message = `scheduler ${thread.index} stalled in ${formatPid(pid)} (${actor}) for ${Math.round(runningForMs)} ms without yielding; its thread was replaced`;
        this.host.replace(thread.index, pid, { error: { name: 'StallError', message } });
      } else {
        // Report a given stall once: forget it until that process yields.
        replacing.add(thread.index);
        const waitForYield = setInterval(() => {
          if (boards.read(thread.index, BOARD_RUNNING_PID) !== pid) {
            clearInterval(waitForYield);
            replacing.delete(thread.index);
          }
        }, STALL_CHECK_INTERVAL_MS);
        waitForYield.unref();
      }
    }
  }

  private report(report: StallReport): void {
    const { onStall } = this.host.settings;
    if (onStall !== undefined) {
      onStall(report);
      return;
    }
    process.stderr.write(
      `[strand] scheduler ${report.scheduler} stalled: process ${formatPid(report.pid)} (${report.actor}) has run ${Math.round(report.runningForMs)} ms without yielding; ${report.action}\n`,
    );
  }
}
