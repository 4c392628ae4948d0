/**
 * References: unique tokens for monitors, timers and (later) calls.
 *
 * A ref is a string made of a random per-thread prefix (nanoid) and a counter,
 * so that refs made in different threads or nodes never collide while making
 * one costs a string concatenation, not a random draw.
 */
import { nanoid } from 'nanoid';

declare const refBrand: unique symbol;

/** A unique token, comparable with `===` and copyable between threads. */
export type Ref = string & { readonly [refBrand]: true };

const prefix = nanoid(10);
let counter = 0;

/** Makes a ref that no other call, in any thread, returns. */
export function makeRef(): Ref {
  counter += 1;
  return `#Ref<${prefix}.${counter}>` as Ref;
}

/** True when `value` has the shape of a ref. */
export function isRef(value: unknown): value is Ref {
  return typeof value === 'string' && value.startsWith('#Ref<');
}
