/**
 * Matchers for selective receive: a predicate, or a pattern object whose
 * every property must equal the message's. Nested plain objects in a pattern
 * are matched the same way; other values are compared with `Object.is`.
 */

import { InvalidMatcherError } from './errors.js';

export type Pattern = { readonly [key: string]: unknown };
export type Matcher<T> = ((message: unknown) => message is T) | ((message: unknown) => boolean) | Pattern;
export type Predicate = (message: unknown) => boolean;

/** A pattern for messages of type `M`: some of their properties, nested patterns for nested objects. */
export type PatternOf<M> = M extends object ? { readonly [K in keyof M]?: M[K] | PatternOf<M[K]> } : never;

/** What a typed receive accepts: a predicate or type guard on `M`, or a pattern of `M` (any pattern when `M` is `any`). */
export type MatcherOf<M> = ((message: M) => boolean) | (0 extends 1 & M ? Pattern : PatternOf<M>);

/**
 * What a receive with matcher `X` returns from a mailbox of `M`s: all of `M`
 * without a matcher or with a plain predicate, the guarded type for a type
 * guard, and the members of `M` a pattern can match.
 */
export type Narrowed<M, X> = [X] extends [undefined]
  ? M
  : X extends (message: any) => message is infer T
    ? T
    : X extends (message: never) => unknown
      ? M
      : Extract<M, X>;

/** Turns a matcher into a predicate; undefined (any message) stays undefined. */
export function toPredicate(matcher: Matcher<unknown> | undefined): Predicate | undefined {
  if (matcher === undefined || typeof matcher === 'function') return matcher;
  if (typeof matcher === 'object' && matcher !== null) return (message) => matchesPattern(matcher, message);
  throw new InvalidMatcherError(matcher);
}

function matchesPattern(pattern: Pattern, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(pattern)) {
    const expected = pattern[key];
    const actual = (value as Record<string, unknown>)[key];
    if (isPlainObject(expected)) {
      if (!matchesPattern(expected, actual)) return false;
    } else if (!Object.is(expected, actual)) {
      return false;
    }
  }
  return true;
}

function isPlainObject(value: unknown): value is Pattern {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
