/**
 * The progress board: how far each running factorial has got, so that a
 * benchmark can show long jobs were never starved. Factorial processes cast
 * their progress; the board monitors each one and forgets it when it ends
 * (finished, or killed because its client went away).
 */
import { type Pid, isDownMessage, monitor, register } from '@strand/core';
import { server } from '@strand/otp';

export const PROGRESS = 'factorial.progress';

export interface JobProgress {
  readonly pid: Pid;
  readonly n: number;
  /** Multiplications done so far. */
  readonly done: number;
}

type State = Map<Pid, JobProgress>;

export const ProgressBoard = server(import.meta.url, 'ProgressBoard', {
  init() {
    register(PROGRESS);
    return { ok: new Map() as State };
  },
  handleCall(_request: unknown, _from, state: State) {
    return { reply: [...state.values()], state };
  },
  handleCast(report: JobProgress, state: State) {
    if (!state.has(report.pid)) monitor(report.pid);
    state.set(report.pid, report);
    return { noreply: state };
  },
  handleInfo(message: unknown, state: State) {
    if (isDownMessage(message)) state.delete(message.pid);
    return { noreply: state };
  },
});
