/**
 * Which process is running on this thread right now. The process API
 * (`self`, `send`, `receive`…) reads it to know who is calling; only the
 * scheduler sets it, around each step of a process.
 */
import { NotInProcessError } from './errors.js';
import type { Process } from './process.js';

let current: Process | null = null;

/** The calling process; throws `NotInProcessError` when called from plain code. */
export function caller(fn: string): Process {
  if (current === null) throw new NotInProcessError(fn);
  return current;
}

/** The calling process, or null from plain code. */
export function callerOrNull(): Process | null {
  return current;
}

/** Makes `next` the running process and returns the one it replaces. */
export function switchTo(next: Process | null): Process | null {
  const previous = current;
  current = next;
  return previous;
}
