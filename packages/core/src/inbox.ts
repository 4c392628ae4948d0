/**
 * An inbox lets plain async code (a test, an HTTP handler, a CLI) take part
 * in messaging: it has a pid that processes can send to, link to or monitor,
 * and `receive` returns a promise instead of blocking.
 *
 * Behind the pid is an ordinary process that hands each message to the
 * inbox, so to the rest of the runtime it is a process like any other.
 * `close()` ends that process with reason `'normal'`.
 */
import { actor } from './actor.js';
import { type Matcher, type MatcherOf, type Narrowed, type Predicate, toPredicate } from './pattern.js';
import type { Pid } from './pid.js';
import type { Ref } from './ref.js';
import { TIMEOUT, type Timeout, checkTimeout, receive } from './receive.js';

/** The message that tells a relay to end; a symbol, so no process can forge it by accident. */
const CLOSE: unique symbol = Symbol('strand.inbox-close');

/**
 * The process behind an inbox: forwards every message to plain code until
 * told to close. However it ends (closed, killed, its scheduler stopped), the
 * inbox's pending receives resolve with TIMEOUT and hold no timers.
 */
export const InboxRelay = actor(import.meta.url, 'strand.InboxRelay', function* (inbox: Inbox) {
  try {
    for (;;) {
      const message = yield* receive();
      if (message === CLOSE) return;
      inbox.accept(message);
    }
  } finally {
    inbox.ended();
  }
});

/** What an inbox asks of its scheduler, on behalf of its relay process. */
export interface InboxRelayOps {
  send(pid: Pid, message: unknown): void;
  monitor(pid: Pid): Ref;
  demonitor(ref: Ref): void;
  abandon(ref: Ref): void;
}

interface Waiter {
  readonly match: Predicate | undefined;
  readonly resolve: (message: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** An inbox whose pid accepts messages of type `M` (any message by default). */
export class Inbox<M = any> {
  private readonly messages: unknown[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;
  private pid_: Pid | undefined;

  /** @internal */
  constructor(private readonly relay: InboxRelayOps) {}

  /** The pid processes send to. */
  get pid(): Pid<M> {
    return this.pid_!;
  }

  /** @internal */
  attach(pid: Pid): void {
    this.pid_ = pid;
  }

  /** Messages received and not yet taken. */
  get size(): number {
    return this.messages.length;
  }

  /**
   * Resolves with the oldest message the matcher accepts (any message
   * without one), or `TIMEOUT` once `timeoutMs` passed. The result is
   * narrowed by the matcher as in `Self.receive`.
   */
  receive(): Promise<M>;
  receive<const X extends MatcherOf<M>>(matcher: X): Promise<Narrowed<M, X>>;
  receive<const X extends MatcherOf<M> | undefined>(matcher: X, timeoutMs: number): Promise<Narrowed<M, X> | Timeout>;
  receive(matcher?: Matcher<unknown>, timeoutMs?: number): Promise<unknown> {
    const timeout = checkTimeout(timeoutMs);
    const match = toPredicate(matcher);
    const index = match === undefined ? (this.messages.length > 0 ? 0 : -1) : this.messages.findIndex(match);
    if (index >= 0) return Promise.resolve(this.messages.splice(index, 1)[0]);
    if (timeout === 0 || this.closed) return Promise.resolve(TIMEOUT);
    return new Promise((resolve) => {
      const waiter: Waiter = { match, resolve, timer: undefined };
      if (timeout !== Infinity) {
        waiter.timer = setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          resolve(TIMEOUT);
        }, timeout);
      }
      this.waiters.push(waiter);
    });
  }

  /** Ends the process behind the inbox; pending receives resolve with `TIMEOUT`. */
  close(): void {
    if (this.closed) return;
    this.ended();
    this.relay.send(this.pid, CLOSE);
  }

  /** Monitors `pid` from the inbox: its `DOWN` message arrives here. */
  monitor(pid: Pid): Ref {
    return this.relay.monitor(pid);
  }

  /** Removes a monitor, and its `DOWN` if it already came. */
  demonitor(ref: Ref): void {
    this.relay.demonitor(ref);
    this.drop(ref);
  }

  /** Gives up on replies tagged with `ref` (see `abandon` in the process API). */
  abandon(ref: Ref): void {
    this.relay.abandon(ref);
    this.drop(ref);
  }

  private drop(ref: Ref): void {
    const i = this.messages.findIndex((m) => typeof m === 'object' && m !== null && (m as { ref?: unknown }).ref === ref);
    if (i >= 0) this.messages.splice(i, 1);
  }

  /** @internal The relay process ended. */
  ended(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(TIMEOUT);
    }
  }

  /** @internal Called by the relay process for each message. */
  accept(message: unknown): void {
    const i = this.waiters.findIndex((w) => w.match === undefined || w.match(message));
    if (i < 0) {
      this.messages.push(message);
      return;
    }
    const waiter = this.waiters.splice(i, 1)[0]!;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(message);
  }
}
