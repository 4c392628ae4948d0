/**
 * A scheduler's timers: receive timeouts and `sendAfter`, in one queue
 * ordered by deadline, and the one Node timer that wakes the scheduler for
 * the earliest of them.
 *
 * Contract
 * - A receive timeout marks its receive timed out and makes a waiting
 *   process runnable; the receive itself decides (a message that matched
 *   first wins).
 * - A `sendAfter` to a name looks the name up when it fires; an unknown name
 *   by then drops the message, as Erlang's `erlang:send_after` does.
 * - Only the earliest deadline holds a Node timer; under manual drive none
 *   does (`step()` fires what is due).
 */
import type { Clock } from '../clock.js';
import type { Pid } from '../pid.js';
import { type Process, type ReceiveState, type TimerPayload, WAITING } from '../process.js';
import { type Ref, makeRef } from '../ref.js';
import { type Timer, TimerQueue } from '../timer-queue.js';

/** What the timers ask of the rest of the scheduler. */
export interface TimersHost {
  readonly clock: Clock;
  readonly manual: boolean;
  makeRunnable(p: Process): void;
  routeMessage(to: Pid, message: unknown): void;
  whereis(name: string): Pid | undefined;
  /** A deadline passed: run a turn unless one is under way or scheduled. */
  wake(): void;
}

export class Timers {
  private readonly queue = new TimerQueue<TimerPayload>();
  private readonly sends = new Map<Ref, Timer<TimerPayload>>();
  private wakeup: ReturnType<typeof setTimeout> | undefined;
  private wakeupAt = Infinity;
  private stopped = false;

  constructor(private readonly host: TimersHost) {}

  get size(): number {
    return this.queue.size;
  }

  /** Starts the timeout of `p`'s pending receive. */
  startReceiveTimeout(p: Process, pending: ReceiveState): void {
    pending.timer = this.queue.add(this.host.clock.now() + pending.timeout, { kind: 'receive', process: p, receive: pending });
    this.arm();
  }

  sendAfter(delay: number, dest: Pid | string, message: unknown): Ref {
    const ref = makeRef();
    const timer = this.queue.add(this.host.clock.now() + delay, { kind: 'send', ref, dest, message });
    this.sends.set(ref, timer);
    this.arm();
    return ref;
  }

  cancel(ref: Ref): boolean {
    const timer = this.sends.get(ref);
    if (timer === undefined) return false;
    timer.cancelled = true;
    this.sends.delete(ref);
    return true;
  }

  fire(now: number): void {
    for (let timer = this.queue.popDue(now); timer !== undefined; timer = this.queue.popDue(now)) {
      const payload = timer.payload;
      if (payload.kind === 'receive') {
        const p = payload.process;
        if (p.receive === payload.receive) {
          payload.receive.timedOut = true;
          payload.receive.timer = null;
          if (p.status === WAITING) this.host.makeRunnable(p);
        }
      } else {
        this.sends.delete(payload.ref);
        const dest = typeof payload.dest === 'string' ? this.host.whereis(payload.dest) : payload.dest;
        if (dest !== undefined) this.host.routeMessage(dest, payload.message);
      }
    }
  }

  /** Makes sure a Node timer wakes the scheduler for its earliest deadline. */
  arm(): void {
    if (this.host.manual || this.stopped) return;
    const next = this.queue.nextDeadline();
    if (next === undefined || next >= this.wakeupAt) return;
    if (this.wakeup !== undefined) clearTimeout(this.wakeup);
    this.wakeupAt = next;
    this.wakeup = setTimeout(this.onWakeup, Math.max(0, next - this.host.clock.now()));
  }

  /** Cancels every timer and arms no more. */
  stop(): void {
    this.stopped = true;
    this.queue.clear();
    this.sends.clear();
    if (this.wakeup !== undefined) clearTimeout(this.wakeup);
    this.wakeup = undefined;
  }

  private readonly onWakeup = (): void => {
    this.wakeup = undefined;
    this.wakeupAt = Infinity;
    this.host.wake();
  };
}
