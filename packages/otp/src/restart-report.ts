/**
 * Restart reports: how a supervisor tells the world outside itself that it
 * restarted a child, for a counter such as the observer's
 * `strand_process_restarts_total`.
 *
 * Whoever wants them registers a process (an inbox, from plain code) under
 * `RESTART_REPORTS_NAME`; every Supervisor and DynamicSupervisor, on any
 * thread, then sends it one `RestartReport` per restart, through the
 * ordinary message path (names are runtime-wide). With no process under
 * that name, a restart costs one registry lookup and nothing is sent.
 * Restarts made before the name was registered are not reported.
 *
 * The message path rather than the runtime's crash events: those are the
 * core scheduler's own (a process that threw), while restarts are decided
 * by supervisor processes, and a listener attached to a running runtime
 * (the observer) can register a name but cannot add an event hook to it.
 */
import { type ExitReason, type Pid, self, send, whereis } from '@strand/core';

/** The name a process registers to receive every supervisor's `RestartReport`s. */
export const RESTART_REPORTS_NAME = 'strand.restarts';

/** One restart, as a supervisor reports it. */
export interface RestartReport {
  readonly type: 'strand.restart';
  /** The supervisor that restarted the child. */
  readonly supervisor: Pid;
  /** The supervisor's actor name (as `supervisor(import.meta.url, name, …)` gave it). */
  readonly actor: string;
  /** The child's spec id; null for a DynamicSupervisor's child (they have none). */
  readonly child: string | null;
  /** Why the child ended. */
  readonly reason: ExitReason;
}

export function isRestartReport(message: unknown): message is RestartReport {
  return typeof message === 'object' && message !== null && (message as RestartReport).type === 'strand.restart';
}

/** Sends a `RestartReport` to the process registered as `RESTART_REPORTS_NAME`, if any. Call it from the supervisor process. */
export function reportRestart(actor: string, child: string | null, reason: ExitReason): void {
  const to = whereis(RESTART_REPORTS_NAME);
  if (to === undefined) return;
  const report: RestartReport = { type: 'strand.restart', supervisor: self(), actor, child, reason };
  send(to, report);
}
