/**
 * Global names from inside a process, run with `yield*`:
 *
 *     const won = yield* registerGlobal('leader');        // this process, cluster-wide
 *     const pid = yield* whereisGlobal('leader');
 *     yield* sendGlobal('leader', { type: 'hello' });
 *
 * Each asks the node's main thread (names-service.ts) and waits in
 * `receive` for the answer, costing its scheduler nothing meanwhile. Bad
 * input is refused here, before anything is asked: `InvalidNameError`,
 * `ForeignPidError` for another node's pid. A failure of the cluster
 * itself (NATS, JetStream) is a `GlobalNameRequestError`.
 */
import { type Effect, InvalidPidError, NotRegisteredError, type Pid, StrandError, formatPid, isPid, makeRef, receive, self, send } from '@strand/core';
import { nodeOf } from '@strand/core/runtime';
import { ForeignPidError } from './errors.js';
import { checkGlobalName } from './global-names.js';
import { GLOBAL_NAMES_SERVICE, type NamesReply, type NamesRequest } from './names-service.js';

/** The cluster could not carry out a global-name request from a process (NATS or JetStream failed). */
export class GlobalNameRequestError extends StrandError {
  constructor(operation: string, name: string, cause: string) {
    super('ERR_STRAND_GLOBAL_NAME_REQUEST', `${operation} of global name ${JSON.stringify(name)} failed: ${cause}`);
  }
}

type Op = { readonly $global: 'register'; readonly pid: Pid } | { readonly $global: 'whereis' } | { readonly $global: 'unregister' };

function* ask(name: string, op: Op): Generator<unknown, unknown, unknown> {
  checkGlobalName(name);
  const ref = makeRef();
  send(GLOBAL_NAMES_SERVICE, { ...op, name, ref, replyTo: self() } as NamesRequest);
  const reply = (yield* receive((m: unknown) => typeof m === 'object' && m !== null && (m as NamesReply).ref === ref)) as NamesReply;
  if ('error' in reply) throw new GlobalNameRequestError(op.$global, name, reply.error);
  return reply.value;
}

/**
 * Gives `pid` (default: the calling process; a process of this node) the
 * cluster-wide `name`. True, or false if another process holds it.
 */
export function registerGlobal(name: string, pid?: Pid): Effect<boolean> {
  const target = pid ?? self();
  if (!isPid(target)) throw new InvalidPidError(target);
  const here = nodeOf(self());
  if (nodeOf(target) !== here) throw new ForeignPidError(formatPid(target), nodeOf(target), here);
  return ask(name, { $global: 'register', pid: target }) as unknown as Effect<boolean>;
}

/** The pid that holds `name` in the cluster, or undefined. */
export function whereisGlobal(name: string): Effect<Pid | undefined> {
  return (function* () {
    const pid = yield* ask(name, { $global: 'whereis' });
    return pid === null ? undefined : (pid as Pid);
  })() as unknown as Effect<Pid | undefined>;
}

/** Frees `name`, whoever holds it. */
export function unregisterGlobal(name: string): Effect<void> {
  return ask(name, { $global: 'unregister' }) as unknown as Effect<void>;
}

/** Sends `message` to the process holding `name` anywhere in the cluster; `NotRegisteredError` if none does. */
export function sendGlobal(name: string, message: unknown): Effect<void> {
  return (function* () {
    const pid = yield* ask(name, { $global: 'whereis' });
    if (pid === null) throw new NotRegisteredError(name);
    send(pid as Pid, message);
  })() as unknown as Effect<void>;
}
