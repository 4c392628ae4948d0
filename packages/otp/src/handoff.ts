/**
 * Handoff: a running Server gives its state to a successor, then forwards
 * what it receives to it. @strand/cluster uses it to move a server off a
 * node that leaves; any code can drive it. These are system messages,
 * answered by the generic part of every Server: they never reach its
 * callbacks.
 *
 * ```
 *   asker                                            old server
 *   { type: '$handoff', ref, replyTo }  ─────────►   stops taking work:
 *                                       ◄─────────   { type: '$handoff-state', ref, carried }
 *                                                    (carried = handoff(state), or the state itself)
 *                                       ◄─────────   or { type: '$handoff-refused', ref, reason }: it goes on
 *   (the asker starts the successor with StartInfo.resume = { carried }: resume(carried) runs, not init)
 *   { type: '$handoff-to', ref, pid }   ─────────►   forwards every message to pid, in arrival order
 *   or { type: '$handoff-cancel', ref } ─────────►   goes on with its state
 *   { type: '$handoff-retire', ref }    ─────────►   forwards what has arrived, then ends
 *                                                    with { shutdown: { movedTo: pid } }
 * ```
 *
 * Guarantees
 * - Messages that reach the server after it answered wait in its mailbox
 *   (none is handled) and are all forwarded, in the order they arrived,
 *   before any later one: a call made after the handoff began is answered
 *   by the successor, straight to the caller (a call carries its reply
 *   address).
 * - `terminate` does not run on the old server: it did not stop, it moved.
 * - `call` follows a move: a `DOWN` with `{ shutdown: { movedTo } }` means
 *   the call was forwarded there, so the caller monitors the successor and
 *   keeps waiting for the same reply (call.ts).
 */
import { type ExitReason, type Pid, type Ref, TIMEOUT, exit, isPid, receive, send } from '@strand/core';

/** Asks a server for its state; it then waits for the asker's decision. */
export interface HandoffRequest {
  readonly type: '$handoff';
  readonly ref: Ref;
  readonly replyTo: Pid;
}

/** What the asker tells the server once it has (or has not) a successor. */
export type HandoffDecision =
  | { readonly type: '$handoff-to'; readonly ref: Ref; readonly pid: Pid }
  | { readonly type: '$handoff-cancel'; readonly ref: Ref }
  | { readonly type: '$handoff-retire'; readonly ref: Ref };

/** The server's answer to a `HandoffRequest`. */
export type HandoffAnswer =
  | { readonly type: '$handoff-state'; readonly ref: Ref; readonly carried: unknown }
  | { readonly type: '$handoff-refused'; readonly ref: Ref; readonly reason: string };

/** In a successor's `StartInfo`: start from what the old server carried, not from `init`. */
export interface Resume {
  readonly carried: unknown;
}

/** The reason a server that moved ends with. */
export type MovedReason = { readonly shutdown: { readonly movedTo: Pid } };

export function isHandoffRequest(message: unknown): message is HandoffRequest {
  return typeof message === 'object' && message !== null && (message as HandoffRequest).type === '$handoff';
}

export function isHandoffAnswer(message: unknown, ref: Ref): message is HandoffAnswer {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as HandoffAnswer;
  return m.ref === ref && (m.type === '$handoff-state' || m.type === '$handoff-refused');
}

/** Where a process that ended with `reason` moved to, if it moved. */
export function movedTo(reason: ExitReason): Pid | undefined {
  if (typeof reason !== 'object' || !('shutdown' in reason)) return undefined;
  const to = (reason.shutdown as { movedTo?: unknown } | null)?.movedTo;
  return isPid(to) ? to : undefined;
}

/**
 * Answers `request` with `carried` and waits for the decision. Returns when
 * the server goes on (cancelled, or `carried` could not be sent); after
 * `'$handoff-to'` it never returns: it forwards until told to retire.
 */
export function* handOver(request: HandoffRequest, carried: () => unknown): Generator<unknown, void, unknown> {
  try {
    send(request.replyTo, { type: '$handoff-state', ref: request.ref, carried: carried() } satisfies HandoffAnswer);
  } catch (error) {
    // `handoff` threw, or what it gave cannot be copied: the server keeps its state and goes on.
    send(request.replyTo, { type: '$handoff-refused', ref: request.ref, reason: describe(error) } satisfies HandoffAnswer);
    return;
  }
  const decision = (yield* receive((m: unknown): boolean => isDecision(m, request.ref) && m.type !== '$handoff-retire')) as HandoffDecision;
  if (decision.type !== '$handoff-to') return;
  const to = decision.pid;
  for (;;) {
    const message = yield* receive();
    if (isDecision(message, request.ref) && message.type === '$handoff-retire') {
      // What has arrived by now goes too; what arrives later finds no process ('noproc').
      for (let waiting = yield* receive(undefined, 0); waiting !== TIMEOUT; waiting = yield* receive(undefined, 0)) forward(to, waiting);
      exit({ shutdown: { movedTo: to } } satisfies MovedReason);
    }
    forward(to, message);
  }
}

function forward(to: Pid, message: unknown): void {
  try {
    send(to, message);
  } catch {
    // A message that cannot travel to the successor's node (a SharedArrayBuffer) is dropped, as at its sender.
  }
}

function isDecision(message: unknown, ref: Ref): message is HandoffDecision {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as HandoffDecision;
  return m.ref === ref && (m.type === '$handoff-to' || m.type === '$handoff-cancel' || m.type === '$handoff-retire');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
