/**
 * Messages the runtime itself puts in a mailbox.
 */
import type { ExitReason } from './exit-reason.js';
import type { Pid } from './pid.js';
import type { Ref } from './ref.js';

/** An exit signal turned into a message, because the receiver traps exits. */
export interface ExitMessage {
  readonly type: 'EXIT';
  readonly from: Pid;
  readonly reason: ExitReason;
}

/** A monitored process ended (or never existed: reason `'noproc'`). */
export interface DownMessage {
  readonly type: 'DOWN';
  readonly ref: Ref;
  readonly pid: Pid;
  readonly reason: ExitReason;
}

export function isExitMessage(message: unknown): message is ExitMessage {
  return typeof message === 'object' && message !== null && (message as ExitMessage).type === 'EXIT';
}

export function isDownMessage(message: unknown): message is DownMessage {
  return typeof message === 'object' && message !== null && (message as DownMessage).type === 'DOWN';
}
