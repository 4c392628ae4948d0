/**
 * What a blocking operation yields to the scheduler, and what a receive
 * returns when its time is up. Kept apart from receive.ts so that types
 * (`Self`, actor bodies) can name them without importing the process machinery.
 */

/** What `receive` returns when its timeout passed with no matching message. */
export const TIMEOUT: unique symbol = Symbol('strand.timeout');
export type Timeout = typeof TIMEOUT;

/** What a pending receive yields to the scheduler; its parameters are on `process.receive`. */
export const RECEIVE: unique symbol = Symbol('strand.receive');

/** A blocking operation, run with `yield*`; its result is the value of the `yield*` expression. */
export interface Effect<T> {
  [Symbol.iterator](): Iterator<typeof RECEIVE, T, unknown>;
}
