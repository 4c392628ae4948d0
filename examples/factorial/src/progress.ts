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
  /** When the job began (ms since the epoch), for its elapsed time and rate. */
  readonly startedAt: number;
  /** The `job` label its client gave (`/factorial?n=N&job=ID`), to find its own jobs among the others. */
  readonly job?: string;
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
