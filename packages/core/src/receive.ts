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
import { InvalidTimeoutError } from './errors.js';
import { type Matcher, type Pattern, toPredicate } from './pattern.js';
import { MATCH_NOTHING } from './process.js';

/** What `receive` returns when its timeout passed with no matching message. */
export const TIMEOUT: unique symbol = Symbol('strand.timeout');
export type Timeout = typeof TIMEOUT;

/** What the receive helper yields to the scheduler; its parameters are on the process record. */
export const RECEIVE: unique symbol = Symbol('strand.receive');

export type { Matcher, Pattern } from './pattern.js';

/** The generator a blocking helper returns, to be run with `yield*`. */
export type Effect<T> = Generator<typeof RECEIVE, T, unknown>;

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
export function* receive(matcher?: Matcher<unknown>, timeoutMs?: number): Effect<unknown> {
  const process = caller('receive');
  const timeout = checkTimeout(timeoutMs);
  process.receiving = true;
  process.receiveMatch = toPredicate(matcher);
  process.receiveTimeout = timeout;
  process.scanned = 0;
  process.timedOut = false;
  return yield RECEIVE;
}

/** Suspends the process for `ms` milliseconds; messages that arrive meanwhile stay in the mailbox. */
export function* sleep(ms: number): Effect<void> {
  const process = caller('sleep');
  const timeout = checkTimeout(ms);
  process.receiving = true;
  process.receiveMatch = MATCH_NOTHING;
  process.receiveTimeout = timeout;
  process.scanned = 0;
  process.timedOut = false;
  yield RECEIVE;
}

/** Validates a timeout: undefined or Infinity waits forever. */
export function checkTimeout(ms: unknown): number {
  if (ms === undefined) return Infinity;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) throw new InvalidTimeoutError(ms);
  return ms;
}
