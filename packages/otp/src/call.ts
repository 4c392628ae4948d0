/**
 * Request and reply between processes (Erlang's `gen:call`), the protocol
 * under `Server`.
 *
 * `call` monitors the server, sends `{ type: '$call', from, request }` and
 * waits for `{ type: '$reply', ref, value }` or the monitor's `DOWN`:
 * - a dead or unknown server fails at once with `CallError` (reason `'noproc'`);
 * - a server that dies before answering fails the call with its exit reason;
 * - no answer within the timeout throws `CallTimeoutError` in the caller, and
 *   a reply that comes later is dropped, not left in the mailbox (`abandon`).
 * - a server that moved (handoff.ts) ends with `{ shutdown: { movedTo } }`
 *   after forwarding the call there: the call monitors the successor and
 *   keeps waiting for the same reply, within the same timeout.
 * `cast` sends `{ type: '$cast', request }` and never fails for a missing server.
 *
 * Typed calls: a server's pid (from `startLink`) carries its protocol in
 * its type, so `call` checks the request and infers the reply. A request
 * type may name its own reply with `Ask<Request, Reply>`; otherwise the
 * reply is what the server's `handleCall` replies. Untyped pids and names
 * take any request and give `unknown` (or the type argument `call<R>`).
 */
import {
  type Effect,
  type ExitReason,
  type Inbox,
  type Pid,
  type Ref,
  StrandError,
  TIMEOUT,
  abandon,
  demonitor,
  formatExitReason,
  isDownMessage,
  monitor,
  receive,
  self,
  send,
  whereis,
} from '@strand/core';
import { movedTo } from './handoff.js';

declare const replyBrand: unique symbol;
declare const protocol: unique symbol;

/**
 * A request whose reply has type `Reply`: `call` with such a request
 * returns a `Reply`. Only the compiler sees the difference; the request is
 * the same value at run time.
 *
 * ```ts
 * type CounterCall = Ask<{ type: 'get' }, number> | Ask<{ type: 'add'; n: number }, 'ok'>;
 * ```
 */
export type Ask<Request, Reply> = Request & { readonly [replyBrand]?: Reply };

/** The replies a call protocol names with `Ask`; `unknown` when it names none. */
export type RepliesOf<Call> = Call extends { readonly [replyBrand]?: infer Reply } ? Reply : unknown;

/** The reply to `request` under call protocol `Call`: its `Ask` reply, else the server's `Reply`. */
export type ReplyTo<Call, Request, Reply> = Call extends unknown
  ? Request extends Call
    ? Call extends { readonly [replyBrand]?: infer Named }
      ? unknown extends Named
        ? Reply
        : Named
      : Reply
    : never
  : never;

/** What a server accepts, in its pid's type: calls `Call` answered with `Reply`, casts `Cast`. */
export interface ServerProtocol<Call, Reply, Cast> {
  readonly [protocol]?: {
    readonly call: (request: Call) => void;
    readonly reply?: Reply;
    readonly cast: (request: Cast) => void;
  };
}

/** The pid of a server, typed by its protocol. */
export type ServerPid<Call = unknown, Reply = unknown, Cast = unknown> = Pid & ServerProtocol<Call, Reply, Cast>;

/** A pid `call` can check a request against. */
type CallTarget<Call, Reply> = Pid & { readonly [protocol]?: { readonly call: (request: Call) => void; readonly reply?: Reply } };

/** A pid `cast` can check a request against. */
type CastTarget<Cast> = Pid & { readonly [protocol]?: { readonly cast: (request: Cast) => void } };

/** A pid whose type names no protocol (or the untyped one): any request goes. */
type UntypedServer = Pid<unknown> & { readonly [protocol]?: { readonly call: (request: unknown) => void } };

/** How long `call` waits by default, in ms: OTP's default. */
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

/** Who asked: pass it to `reply` to answer, now or later. */
export interface From {
  readonly pid: Pid;
  readonly ref: Ref;
}

export interface CallMessage {
  readonly type: '$call';
  readonly from: From;
  readonly request: unknown;
}

export interface CastMessage {
  readonly type: '$cast';
  readonly request: unknown;
}

export interface ReplyMessage {
  readonly type: '$reply';
  readonly ref: Ref;
  readonly value: unknown;
}

/** A call that could not complete: the server did not exist (`'noproc'`) or ended (its reason). */
export class CallError extends StrandError {
  constructor(
    readonly server: Pid | string,
    readonly reason: ExitReason,
  ) {
    super('ERR_STRAND_CALL_FAILED', `call to ${String(server)} failed: ${formatExitReason(reason)}`);
  }
}

/** No reply came within the timeout. */
export class CallTimeoutError extends StrandError {
  constructor(
    readonly server: Pid | string,
    readonly timeoutMs: number,
  ) {
    super('ERR_STRAND_CALL_TIMEOUT', `call to ${String(server)} timed out after ${timeoutMs} ms`);
  }
}

export function isCall(message: unknown): message is CallMessage {
  return typeof message === 'object' && message !== null && (message as CallMessage).type === '$call';
}

export function isCast(message: unknown): message is CastMessage {
  return typeof message === 'object' && message !== null && (message as CastMessage).type === '$cast';
}

/**
 * Sends `request` to `server` and waits for its reply; run it with `yield*`.
 * To a typed server pid, only a request of its protocol compiles, and the
 * reply is typed by it.
 */
export function call<Call, Reply, const Request extends Call>(
  server: CallTarget<Call, Reply>,
  request: Request,
  timeoutMs?: number,
): Effect<ReplyTo<Call, Request, Reply>>;
export function call<R = unknown>(server: UntypedServer | string, request: unknown, timeoutMs?: number): Effect<R>;
export function call(server: Pid | string, request: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Effect<unknown> {
  return runCall(server, request, timeoutMs) as unknown as Effect<unknown>;
}

function* runCall(server: Pid | string, request: unknown, timeoutMs: number): Generator<unknown, unknown, unknown> {
  const pid = typeof server === 'string' ? whereis(server) : server;
  if (pid === undefined) throw new CallError(server, 'noproc');
  const ref = monitor(pid);
  const message: CallMessage = { type: '$call', from: { pid: self(), ref }, request };
  send(pid, message);
  const deadline = Date.now() + timeoutMs;
  // The monitor on the server, then on each successor it moved to.
  for (let watched = ref; ; ) {
    const answer = yield* receive((m) => isAnswer(m, ref, watched), Math.max(0, deadline - Date.now()));
    if (answer === TIMEOUT) {
      demonitor(watched, { flush: true });
      abandon(ref);
      throw new CallTimeoutError(server, timeoutMs);
    }
    if (isDownMessage(answer)) {
      const successor = movedTo(answer.reason);
      if (successor === undefined) throw new CallError(server, answer.reason);
      watched = monitor(successor);
      continue;
    }
    demonitor(watched, { flush: true });
    return (answer as ReplyMessage).value;
  }
}

/** Sends `request` to `server` without waiting; never fails for a dead or unknown server. */
export function cast<Cast>(server: CastTarget<Cast>, request: NoInfer<Cast>): void;
export function cast(server: UntypedServer | string, request: unknown): void;
export function cast(server: Pid | string, request: unknown): void {
  const pid = typeof server === 'string' ? whereis(server) : server;
  if (pid === undefined) return;
  const message: CastMessage = { type: '$cast', request };
  send(pid, message);
}

/** Answers a call; `from` is what `handleCall` was given. Can be called later, from any process. */
export function reply(from: From, value: unknown): void {
  const message: ReplyMessage = { type: '$reply', ref: from.ref, value };
  send(from.pid, message);
}

/** What plain code needs of a runtime to make calls: a `Scheduler` or a pool `Runtime`. */
export interface CallHost {
  inbox(): Inbox;
  whereis(name: string): Pid | undefined;
  send(dest: Pid | string, message: unknown): void;
}

/** `call` from plain async code: resolves with the reply, rejects like `call` throws. */
export function callFrom<Call, Reply, const Request extends Call>(
  host: CallHost,
  server: CallTarget<Call, Reply>,
  request: Request,
  timeoutMs?: number,
): Promise<ReplyTo<Call, Request, Reply>>;
export function callFrom<R = unknown>(host: CallHost, server: UntypedServer | string, request: unknown, timeoutMs?: number): Promise<R>;
export async function callFrom(
  host: CallHost,
  server: Pid | string,
  request: unknown,
  timeoutMs = DEFAULT_CALL_TIMEOUT_MS,
): Promise<unknown> {
  const pid = typeof server === 'string' ? host.whereis(server) : server;
  if (pid === undefined) throw new CallError(server, 'noproc');
  const inbox = host.inbox();
  try {
    const ref = inbox.monitor(pid);
    const message: CallMessage = { type: '$call', from: { pid: inbox.pid, ref }, request };
    host.send(pid, message);
    const deadline = Date.now() + timeoutMs;
    for (let watched = ref; ; ) {
      const answer = await inbox.receive((m) => isAnswer(m, ref, watched), Math.max(0, deadline - Date.now()));
      if (answer === TIMEOUT) throw new CallTimeoutError(server, timeoutMs);
      if (!isDownMessage(answer)) return (answer as ReplyMessage).value;
      const successor = movedTo(answer.reason);
      if (successor === undefined) throw new CallError(server, answer.reason);
      watched = inbox.monitor(successor);
    }
  } finally {
    // Closing the inbox ends its process: a late reply has nowhere to go, and its monitor goes with it.
    inbox.close();
  }
}

/** The reply to the call `ref`, or the `DOWN` of the monitor `watched` (on the server or where it moved). */
function isAnswer(message: unknown, ref: Ref, watched: Ref): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as { type?: unknown; ref?: unknown };
  return (m.type === '$reply' && m.ref === ref) || (m.type === 'DOWN' && m.ref === watched);
}
