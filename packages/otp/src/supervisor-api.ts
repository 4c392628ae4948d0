/**
 * How the API functions of Supervisor and DynamicSupervisor talk to one:
 * a `call` (no timeout: a start may take as long as the child's `init`)
 * whose answer is `{ ok: value }` or a failure, which `unwrap` turns into
 * the value or a typed error:
 * - `{ error: message }`: `SupervisorError` (unknown child, child running,
 *   child failed to start…);
 * - `{ maxChildren: n }`: `MaxChildrenError`, a DynamicSupervisor that has
 *   its `maxChildren` already.
 *
 * Plain code sends the same requests with `callFrom` and unwraps the answer.
 */
import { type Effect, type Pid, StrandError } from '@strand/core';
import { call } from './call.js';

export type Answer<T> = { readonly ok: T } | { readonly error: string } | { readonly maxChildren: number };

/** A supervisor API call that could not be carried out (unknown child, child running…). */
export class SupervisorError extends StrandError {
  constructor(message: string, code: 'ERR_STRAND_CALL_FAILED' | 'ERR_STRAND_MAX_CHILDREN' = 'ERR_STRAND_CALL_FAILED') {
    super(code, message);
  }
}

/** A DynamicSupervisor refused to start a child: it has `maxChildren` running. */
export class MaxChildrenError extends SupervisorError {
  constructor(readonly maxChildren: number) {
    super(`the supervisor has its maximum of ${maxChildren} children`, 'ERR_STRAND_MAX_CHILDREN');
  }
}

/** Unwraps a supervisor's answer as plain code gets it from `callFrom`. */
export function unwrap<T>(answer: unknown): T {
  const a = answer as Answer<T>;
  if ('maxChildren' in a) throw new MaxChildrenError(a.maxChildren);
  if ('error' in a) throw new SupervisorError(a.error);
  return a.ok;
}

/** Calls `sup` with `req` and unwraps the answer; run it with `yield*`. */
export function request<T>(sup: Pid | string, req: unknown): Effect<T> {
  return (function* (): Generator<unknown, T, unknown> {
    return unwrap<T>(yield* call(sup, req, Infinity));
  })() as unknown as Effect<T>;
}
