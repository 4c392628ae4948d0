/**
 * Tracing one process, as `recon_trace` does for Erlang: what it receives
 * and sends, what it spawns and how it ends, as `TraceEvent` messages to a
 * tracer, at most `limit` of them.
 *
 * Contract
 * - `trace(pid, { tracer, limit })` (a scheduler's or a runtime's) starts
 *   tracing wherever the process runs; a new call replaces the last one, and
 *   `limit: 0` stops it.
 * - A message is traced `'receive'` when it reaches the mailbox (as Erlang's
 *   `receive` trace does), `'send'` when the process sends it, with the
 *   message itself (messages are cloneable, so events are).
 * - Once `limit` events went out, or the process ended (`'exit'`), a last
 *   `'end'` event says tracing stopped and why. Tracing a pid that is not
 *   alive sends `'end'` with reason `'noproc'` at once.
 * - Costs nothing for untraced processes but one field check per send and
 *   per delivery.
 */
import type { ExitReason } from './exit-reason.js';
import type { Pid } from './pid.js';

/** Events at most per trace, whatever `limit` asks: a trace is for reading, not for logging everything. */
export const MAX_TRACE_EVENTS = 10_000;

/** Events per trace when the caller does not say. */
export const DEFAULT_TRACE_LIMIT = 100;

/** What happened, without who and when (see `TraceEvent`). */
export type TraceDetail =
  | { readonly event: 'receive'; readonly message: unknown }
  | { readonly event: 'send'; readonly to: Pid; readonly message: unknown }
  | { readonly event: 'spawn'; readonly child: Pid; readonly actor: string }
  | { readonly event: 'exit'; readonly reason: ExitReason }
  | { readonly event: 'end'; readonly reason: 'limit' | 'stopped' | 'noproc' | ExitReason };

/** One event of a traced process `pid`, at `at` (ms since the epoch). */
export type TraceEvent = { readonly type: 'trace'; readonly pid: Pid; readonly at: number } & TraceDetail;

/** What a traced process carries: where its events go and how many more may. */
export interface TraceState {
  readonly tracer: Pid;
  left: number;
}

/** True for a trace event (a tracer's mailbox may hold other messages). */
export function isTraceEvent(message: unknown): message is TraceEvent {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'trace';
}
