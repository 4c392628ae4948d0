/**
 * Receiving messages: the one effect that blocks a process.
 *
 * `receive` is selective, as in Erlang: it looks at the mailbox in arrival
 * order and takes the first message the matcher accepts, leaving the others
 * where they are. A matcher is a predicate (a type guard narrows the result)
 * or a pattern: a plain object whose every property must equal the message's
 * (nested plain objects are compared the same way, other values with
 * `Object.is`). With a timeout, `receive` returns `TIMEOUT` if nothing
 * matched in time; a timeout of 0 only looks at what is already there.
 *
 * ```ts
 * const msg = yield* receive();                                   // any message
 * const down = yield* receive({ type: 'DOWN', ref });             // a pattern
 * const n = yield* receive((m): m is number => typeof m === 'number', 100);
 * if (n === TIMEOUT) ...
 * ```
 */
import { caller } from './context.js';
import { type Effect, RECEIVE, TIMEOUT, type Timeout } from './effect.js';
import { InvalidTimeoutError } from './errors.js';
import { type Matcher, type Pattern, type Predicate, toPredicate } from './pattern.js';
import type { Process, ReceiveState, TimerPayload } from './process.js';
import type { Timer } from './timer-queue.js';

export { type Effect, RECEIVE, TIMEOUT, type Timeout } from './effect.js';
export type { Matcher, Pattern } from './pattern.js';

/** A matcher that no message satisfies: `sleep` waits on it, and messages do not wake it. */
export const MATCH_NOTHING: Predicate = () => false;

const FIRST_STEP: IteratorYieldResult<typeof RECEIVE> = Object.freeze({ value: RECEIVE, done: false });

/**
 * One call of `receive` (or `sleep`). It is its own iterator: the first step
 * installs it on the calling process and yields RECEIVE, the second returns
 * what the scheduler passed back. An object rather than a generator because
 * a process blocked in receive keeps it alive: at a million idle processes
 * the difference is tens of megabytes.
 */
export class PendingReceive implements Iterator<typeof RECEIVE, unknown, unknown>, ReceiveState {
  /** Messages already looked at and left in the mailbox. */
  scanned = 0;
  /** The timeout fired; the receive returns TIMEOUT unless a message matches first. */
  timedOut = false;
  timer: Timer<TimerPayload> | null = null;
  private started = false;

  constructor(
    readonly match: Predicate | undefined,
    readonly timeout: number,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<typeof RECEIVE, unknown> {
    if (this.started) return { value, done: true };
    this.started = true;
    caller('receive').receive = this;
    return FIRST_STEP;
  }

  return(value?: unknown): IteratorResult<typeof RECEIVE, unknown> {
    return { value, done: true };
  }

  throw(error: unknown): never {
    throw error;
  }
}

type Matched<M> = M extends (message: unknown) => message is infer T
  ? T
  : M extends (message: unknown) => unknown
    ? unknown
    : M extends Pattern
      ? M & Pattern
      : unknown;

export function receive(): Effect<unknown>;
export function receive<const M extends Matcher<unknown> | undefined>(matcher: M): Effect<Matched<M>>;
export function receive<const M extends Matcher<unknown> | undefined>(
  matcher: M,
  timeoutMs: number,
): Effect<Matched<M> | Timeout>;
export function receive(matcher?: Matcher<unknown>, timeoutMs?: number): Effect<unknown> {
  return new PendingReceive(toPredicate(matcher), checkTimeout(timeoutMs));
}

/** Suspends the process for `ms` milliseconds; messages that arrive meanwhile stay in the mailbox. */
export function sleep(ms: number): Effect<void> {
  return new PendingReceive(MATCH_NOTHING, checkTimeout(ms)) as Effect<never>;
}

/** Validates a timeout: undefined or Infinity waits forever. */
export function checkTimeout(ms: unknown): number {
  if (ms === undefined) return Infinity;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) throw new InvalidTimeoutError(ms);
  return ms;
}

/** Ends `p`'s pending receive and cancels its timer. */
export function endReceive(p: Process): void {
  const pending = p.receive;
  if (pending === null) return;
  p.receive = null;
  if (pending.timer !== null) {
    pending.timer.cancelled = true;
    pending.timer = null;
  }
}
