/**
 * Server: a generic server process (Erlang's `gen_server`).
 *
 * The generic part (this module) runs the receive loop, answers calls,
 * keeps the state and handles shutdown; the user module supplies callbacks:
 *
 * | callback | called | returns |
 * |---|---|---|
 * | `init(...args)` | once, at start, before `startLink` returns | `{ ok: state, timeout? }` · `{ stop: reason }` · `'ignore'` |
 * | `handleCall(request, from, state)` | for each `call` | `{ reply, state, timeout? }` · `{ noreply: state, timeout? }` (answer later with `reply(from, value)`) · `{ stop: reason, state, reply? }` |
 * | `handleCast(request, state)` | for each `cast` | `{ noreply: state, timeout? }` · `{ stop: reason, state }` |
 * | `handleInfo(message, state)` | any other message; `TIMEOUT` when a `timeout` passed with no message | as `handleCast` |
 * | `terminate(reason, state)` | before a stop, after a callback threw, or on `shutdown` from its parent when the server traps exits | anything (ignored) |
 * | `handoff(state)` (optional) | when the server moves to another node (handoff.ts): what travels instead of the state | a structured-cloneable value |
 * | `resume(carried)` (optional) | on the node it moved to, instead of `init` | as `init`; default `{ ok: carried }` |
 *
 * Any callback may be a generator function (`*handleCall(...)`) to use
 * blocking effects such as `yield* call(...)`. `timeout` (ms) asks for
 * `handleInfo(TIMEOUT, state)` if no message arrives in that time.
 *
 * ```
 *   caller                 generic server (this module)        callbacks
 *   call(server, req) ──►  receive $call  ───────────────────► handleCall(req, from, state)
 *                     ◄──  reply / noreply / stop  ◄────────── { reply, state }
 * ```
 *
 * A server whose callback throws calls `terminate` with the error, then
 * exits with it (and is reported as a crash). A server that traps exits
 * and gets an exit signal from its parent (its supervisor) calls
 * `terminate(reason)` and exits with that reason; other `EXIT` messages go
 * to `handleInfo`. Unhandled calls, casts and infos are errors for calls
 * (the server crashes, as OTP's does) and ignored for casts and infos.
 */
import {
  type Actor,
  type ExitReason,
  TIMEOUT,
  type Timeout,
  actor,
  errorReason,
  exit,
  isExitMessage,
  OUTSIDE,
  parent,
  ProcessExit,
  receive,
  self,
} from '@strand/core';
import { type From, type RepliesOf, type ServerProtocol, isCall, isCast, reply } from './call.js';
import { handOver, isHandoffRequest } from './handoff.js';
import { type Behaviour, type StartInfo, acknowledge } from './start.js';

/** A callback's result, or a generator that produces it (to use blocking effects). */
export type MaybeEffect<T> = T | Generator<unknown, T, unknown>;

export type InitResult<S> = { readonly ok: S; readonly timeout?: number } | { readonly stop: ExitReason } | 'ignore';

export type CallResult<S, R> =
  | { readonly reply: R; readonly state: S; readonly timeout?: number }
  | { readonly noreply: S; readonly timeout?: number }
  | { readonly stop: ExitReason; readonly state: S; readonly reply?: R };

export type NoReplyResult<S> = { readonly noreply: S; readonly timeout?: number } | { readonly stop: ExitReason; readonly state: S };

export interface ServerCallbacks<A extends readonly unknown[], S, Call = unknown, Reply = unknown, Cast = unknown> {
  init(...args: A): MaybeEffect<InitResult<S>>;
  handleCall?(request: Call, from: From, state: S): MaybeEffect<CallResult<S, Reply>>;
  handleCast?(request: Cast, state: S): MaybeEffect<NoReplyResult<S>>;
  handleInfo?(message: unknown | Timeout, state: S): MaybeEffect<NoReplyResult<S>>;
  terminate?(reason: ExitReason, state: S): MaybeEffect<unknown>;
  /** What travels when the server moves (handoff.ts); without it, the state itself, which must survive structured clone. */
  handoff?(state: S): unknown;
  /** Starts a moved server from what `handoff` gave, instead of `init`; without it, `{ ok: carried }`. */
  resume?(carried: unknown): MaybeEffect<InitResult<S>>;
}

/**
 * A server definition: start it with `startLink`, or under a supervisor.
 * Its type carries its protocol (calls `Call` answered with `Reply`, casts
 * `Cast`), which `startLink` puts on the pid it returns.
 */
export interface ServerDef<A extends readonly unknown[], Call = unknown, Reply = unknown, Cast = unknown>
  extends Behaviour<A>,
    ServerProtocol<Call, Reply, Cast> {
  readonly behaviour: 'server';
}

/** Thrown in a server that got a call it has no `handleCall` for. */
export class UnexpectedCallError extends Error {
  constructor(request: unknown) {
    super(`server has no handleCall for ${safe(request)}`);
    this.name = 'UnexpectedCallError';
  }
}

/**
 * Defines a server. Like `actor`, define it once at the top level of its
 * module (`module` is `import.meta.url`) so that any thread can start it.
 *
 * Its protocol is read from the callbacks' parameter types: `handleCall`'s
 * request type and `handleCast`'s. Replies are typed when the request type
 * names them with `Ask` (`handleCall` must then reply with those types);
 * otherwise a reply is `unknown` to the caller.
 */
export function server<A extends readonly unknown[], S, Call = unknown, Cast = unknown>(
  module: string,
  name: string,
  callbacks: ServerCallbacks<A, S, Call, NoInfer<RepliesOf<Call>>, Cast>,
): ServerDef<A, Call, RepliesOf<Call>, Cast> {
  const body = function* (info: StartInfo, ...args: A): Generator<unknown, void, unknown> {
    yield* serve(callbacks as unknown as ServerCallbacks<readonly unknown[], unknown>, info, args);
  };
  return Object.freeze({ behaviour: 'server' as const, actor: actor(module, name, body) as Actor<readonly [StartInfo, ...A]> });
}

/** The generic server loop; also the base of Supervisor and DynamicSupervisor. */
export function* serve(
  callbacks: ServerCallbacks<readonly unknown[], unknown>,
  info: StartInfo,
  args: readonly unknown[],
): Generator<unknown, void, unknown> {
  const me = self();
  const parentPid = parent();
  let init: InitResult<unknown>;
  try {
    const resume = info?.resume;
    init = yield* run(resume === undefined ? callbacks.init(...args) : (callbacks.resume?.(resume.carried) ?? { ok: resume.carried }));
  } catch (error) {
    acknowledge(info, me, { error: reasonOf(error) });
    throw error;
  }
  if (init === 'ignore') {
    acknowledge(info, me, 'ignore');
    return;
  }
  if ('stop' in init) {
    acknowledge(info, me, { error: init.stop });
    exit(init.stop);
  }
  acknowledge(info, me, 'ok');
  let state = init.ok;
  let timeout = init.timeout ?? Infinity;

  for (;;) {
    const message = yield* receive(undefined, timeout);
    if (isHandoffRequest(message)) {
      const held = state;
      yield* handOver(message, () => (callbacks.handoff === undefined ? held : callbacks.handoff(held)));
      continue;
    }
    let result: NoReplyResult<unknown> | CallResult<unknown, unknown>;
    try {
      if (isCall(message)) {
        if (callbacks.handleCall === undefined) throw new UnexpectedCallError(message.request);
        result = yield* run(callbacks.handleCall(message.request, message.from, state));
        // A stop may carry a reply too: it goes out before terminate runs, as in OTP.
        if ('reply' in result && (!('stop' in result) || result.reply !== undefined)) reply(message.from, result.reply);
      } else if (isCast(message)) {
        if (callbacks.handleCast === undefined) continue;
        result = yield* run(callbacks.handleCast(message.request, state));
      } else if (isExitMessage(message) && message.from === (parentPid ?? OUTSIDE)) {
        // Our supervisor (or whoever started us; plain code, for a server it spawned) ends us:
        // clean up, and go with the same reason.
        result = { stop: message.reason, state };
      } else {
        if (callbacks.handleInfo === undefined) continue;
        result = yield* run(callbacks.handleInfo(message === TIMEOUT ? TIMEOUT : message, state));
      }
    } catch (error) {
      // `exit(reason)` in a callback ends the server with that reason, after terminate, as a crash does.
      yield* terminate(callbacks, reasonOf(error), state);
      throw error;
    }
    if ('stop' in result) {
      yield* terminate(callbacks, result.stop, result.state);
      exit(result.stop);
    }
    state = 'noreply' in result ? result.noreply : result.state;
    timeout = result.timeout ?? Infinity;
  }
}

function reasonOf(error: unknown): ExitReason {
  return error instanceof ProcessExit ? error.reason : errorReason(error);
}

function* terminate(
  callbacks: ServerCallbacks<readonly unknown[], unknown>,
  reason: ExitReason,
  state: unknown,
): Generator<unknown, void, unknown> {
  if (callbacks.terminate === undefined) return;
  try {
    yield* run(callbacks.terminate(reason, state));
  } catch {
    // The server is ending already; a failing terminate must not change why.
  }
}

/** Runs a callback's result: a generator is delegated to, anything else is the result itself. */
function* run<T>(value: MaybeEffect<T>): Generator<unknown, T, unknown> {
  if (isGenerator(value)) return yield* value;
  return value;
}

function isGenerator<T>(value: MaybeEffect<T>): value is Generator<unknown, T, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}

function safe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
