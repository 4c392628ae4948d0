/**
 * Process identifiers.
 *
 * A pid is a plain number so that it is cheap to compare, to use as a map key
 * and to copy between threads with structured clone. Its low bits name the
 * scheduler that owns the process, the rest is a serial number that is never
 * reused by that scheduler: a stale pid can only address a dead process.
 */

declare const pidBrand: unique symbol;

/** Identifies one process. Only the runtime makes pids; `isPid` checks the shape. */
export type Pid = number & { readonly [pidBrand]: true };

/**
 * How many schedulers a pid can name (its low bits). 64 is far above the core
 * counts Strand targets and keeps serial numbers below 2^24 per scheduler
 * inside V8's small-integer range, where numbers cost no allocation.
 */
export const SCHEDULER_SLOTS = 64;

/** Largest serial number before a pid would lose integer precision. */
const MAX_SERIAL = Math.floor(Number.MAX_SAFE_INTEGER / SCHEDULER_SLOTS);

/** True when `value` has the shape of a pid (a non-negative safe integer). */
export function isPid(value: unknown): value is Pid {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The index of the scheduler that owns `pid`. */
export function schedulerOf(pid: Pid): number {
  return pid % SCHEDULER_SLOTS;
}

/** Erlang-style text for logs and the observer: `<scheduler.serial>`. */
export function formatPid(pid: Pid): string {
  return `<${pid % SCHEDULER_SLOTS}.${Math.floor(pid / SCHEDULER_SLOTS)}>`;
}

/** Makes pids for one scheduler. */
export class PidAllocator {
  private serial = 0;

  constructor(private readonly schedulerIndex: number) {}

  next(): Pid {
    if (this.serial >= MAX_SERIAL) throw new RangeError('pid space exhausted');
    this.serial += 1;
    return (this.serial * SCHEDULER_SLOTS + this.schedulerIndex) as Pid;
  }
}
