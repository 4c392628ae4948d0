/**
 * Signals: everything one process does to another besides sending it a
 * message. Each is applied by the scheduler that owns the target (`to`);
 * between threads they travel as envelopes, with messages and spawns.
 *
 * Guarantees (see docs/architecture.md):
 * - Signals from one process to another are applied in the order they were
 *   sent, and in order with that sender's messages.
 * - `link` and `monitor` to a process that is already gone are answered as if
 *   it had died at once: an `exit` signal with reason `'noproc'` for a link,
 *   a `DOWN` message with reason `'noproc'` for a monitor.
 */
import type { ExitReason } from './exit-reason.js';
import type { Pid } from './pid.js';
import type { Ref } from './ref.js';

export type Signal =
  /**
   * `from` ended with `reason` (`link: true`), or called `exit(to, reason)`
   * (`link: false`). Only the latter can carry `'kill'`, which cannot be trapped.
   */
  | { readonly kind: 'exit'; readonly to: Pid; readonly from: Pid; readonly reason: ExitReason; readonly link: boolean }
  /** `from` linked itself to `to`; `to` adds the other half of the link. */
  | { readonly kind: 'link'; readonly to: Pid; readonly from: Pid }
  /** `from` removed its link to `to`; `to` removes the other half. */
  | { readonly kind: 'unlink'; readonly to: Pid; readonly from: Pid }
  /**
   * `from` monitors `to` under `ref`. With `recent`, a `to` that ended a
   * moment ago answers with its real exit reason rather than `'noproc'`:
   * `awaitExit` uses it, because a signal from a third thread may have ended
   * `to` before this one, sent earlier, arrived.
   */
  | { readonly kind: 'monitor'; readonly to: Pid; readonly from: Pid; readonly ref: Ref; readonly recent?: true }
  /** `from` no longer monitors `to` under `ref`. */
  | { readonly kind: 'demonitor'; readonly to: Pid; readonly from: Pid; readonly ref: Ref }
  /** The process `pid` that `to` monitored under `ref` ended with `reason`. */
  | { readonly kind: 'down'; readonly to: Pid; readonly ref: Ref; readonly pid: Pid; readonly reason: ExitReason }
  /** `to` was given a name by another scheduler: if it is already gone, its owner releases the name. */
  | { readonly kind: 'named'; readonly to: Pid }
  /** Trace `to`, sending at most `limit` events to `tracer` (trace.ts); `limit` 0 stops. */
  | { readonly kind: 'trace'; readonly to: Pid; readonly tracer: Pid; readonly limit: number };

/** A message, as it travels to the scheduler that owns `to`. */
export interface MessageEnvelope {
  readonly kind: 'message';
  readonly to: Pid;
  readonly message: unknown;
}

/**
 * Create process `pid` on its owner, running actor `name` of `module` with
 * `args`. `link` names a parent already linked to it; the link exists
 * before the child's first step.
 */
export interface SpawnEnvelope {
  readonly kind: 'spawn';
  readonly to: Pid;
  readonly module: string;
  readonly name: string;
  readonly args: readonly unknown[];
  readonly link: Pid | null;
  /** The spawning process, or 0 for plain code. */
  readonly parent: Pid;
}

/** Everything that travels between schedulers. */
export type Envelope = Signal | MessageEnvelope | SpawnEnvelope;

/**
 * What travels between two schedulers in one go: a flat array in which a
 * message is two items, its pid then the message itself (no object per
 * message, so copying a batch is cheap), and any other envelope is one
 * object. `Scheduler.accept` reads it in order.
 */
export type Batch = unknown[];

/**
 * Carries envelopes to the schedulers of other threads. Envelopes for one
 * owner are delivered in the order given, which is what keeps messages and
 * signals between a pair of processes in order across threads.
 */
export interface Router {
  forward(owner: number, envelope: Envelope): void;
  /** The same for a message: `to` and `message` go into the batch as two items. */
  forwardMessage(owner: number, to: Pid, message: unknown): void;
  /**
   * Carries an envelope for a pid of another cluster node (see `nodeOf`),
   * in the order given per sending process. Throws `UncloneableError` when
   * it cannot be encoded for the wire, so that send fails as for a value
   * that cannot be copied between threads. Without it, such a pid cannot be
   * reached: a message to it is dropped, a link or monitor answers
   * `'noconnection'`.
   */
  forwardRemote?(envelope: Envelope): void;
}

/** Chooses the scheduler a new process lives on. */
export interface Placement {
  place(): number;
}
