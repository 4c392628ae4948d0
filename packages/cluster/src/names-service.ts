/**
 * Global names for processes: a process cannot wait on NATS itself (it runs
 * on a scheduler thread, the connection lives in the main thread), so the
 * main thread serves its requests. The service is an inbox registered under
 * the local name `GLOBAL_NAMES_SERVICE`; process-names.ts asks it.
 *
 * Contract: each request `{ $global, ref, replyTo, ... }` gets one reply
 * `{ ref, value }` or `{ ref, error }` (the error's message), in the order
 * the requests' operations finish.
 */
import type { Inbox, Pid } from '@strand/core';
import type { GlobalNames } from './global-names.js';

/** The local name of the main thread's inbox that serves global-name requests from processes. */
export const GLOBAL_NAMES_SERVICE = 'strand.cluster.names';

export type NamesRequest = { readonly ref: string; readonly replyTo: Pid } & (
  | { readonly $global: 'register'; readonly name: string; readonly pid: Pid }
  | { readonly $global: 'whereis'; readonly name: string }
  | { readonly $global: 'unregister'; readonly name: string }
);

export type NamesReply = { readonly ref: string; readonly value: unknown } | { readonly ref: string; readonly error: string };

const isRequest = (m: unknown): m is NamesRequest => typeof m === 'object' && m !== null && typeof (m as { $global?: unknown }).$global === 'string';

/** Serves requests from `inbox` until it closes (the runtime stops). */
export async function serveGlobalNames(inbox: Inbox, names: GlobalNames, reply: (to: Pid, answer: NamesReply) => void): Promise<void> {
  for (;;) {
    const request = await inbox.receive();
    if (typeof request === 'symbol') return; // TIMEOUT: the inbox closed with the runtime
    if (!isRequest(request)) continue;
    answer(request, names).then(
      (value) => reply(request.replyTo, { ref: request.ref, value: value ?? null }),
      (error: unknown) => reply(request.replyTo, { ref: request.ref, error: error instanceof Error ? error.message : String(error) }),
    );
  }
}

function answer(request: NamesRequest, names: GlobalNames): Promise<unknown> {
  switch (request.$global) {
    case 'register':
      return names.register(request.name, request.pid);
    case 'whereis':
      return names.whereis(request.name);
    case 'unregister':
      return names.unregister(request.name);
  }
}
