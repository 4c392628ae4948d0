/**
 * `Self<M>`: a process's typed view of itself, for processes that accept
 * messages of one type `M`.
 *
 * A body declares it as its `this` parameter, which is how the actor's
 * message type is stated once, where the actor is defined:
 *
 * ```ts
 * type CounterMsg = { type: 'inc' } | { type: 'get'; replyTo: Pid<number> };
 *
 * export const Counter = actor(import.meta.url, 'Counter', function* (this: Self<CounterMsg>, start: number) {
 *   let n = start;
 *   for (;;) {
 *     const msg = yield* this.receive();               // CounterMsg
 *     if (msg.type === 'inc') n += 1;
 *     else send(msg.replyTo, n);                       // only a number compiles here
 *   }
 * });
 * const pid = spawn(Counter, 0);                       // Pid<CounterMsg>
 * ```
 *
 * `this.receive` is `receive` with its matcher checked against `M` and its
 * result narrowed by it; `this.self()` is `self()` typed `Pid<M>`. Messages
 * the runtime sends (a monitor's `DownMessage`, a trapped `ExitMessage`)
 * are part of `M` when the process asks for them. The runtime calls every
 * body with the same `this` object (`SELF`, in process-api.ts), so typing
 * costs nothing at run time.
 */
import type { Effect, Timeout } from './effect.js';
import type { MatcherOf, Narrowed } from './pattern.js';
import type { Pid } from './pid.js';

export interface Self<M> {
  /** The calling process's pid. */
  self(): Pid<M>;
  /** The oldest message `matcher` accepts (any message without one); see `receive`. */
  receive(): Effect<M>;
  receive<const X extends MatcherOf<M>>(matcher: X): Effect<Narrowed<M, X>>;
  /** As above, or `TIMEOUT` once `timeoutMs` passed with no match. */
  receive<const X extends MatcherOf<M> | undefined>(matcher: X, timeoutMs: number): Effect<Narrowed<M, X> | Timeout>;
}
