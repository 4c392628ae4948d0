/**
 * Running one slice of a process, and what it costs.
 *
 * Contract
 * - A process runs until it blocks in `receive`, ends, or uses up its slice:
 *   `reductionsPerSlice` resumes of its generator, or `sliceTimeLimit` ms of
 *   wall time, whichever comes first. The time cap exists because one step
 *   can be arbitrarily expensive (a BigInt multiply on a million-digit
 *   number takes milliseconds), so counting steps alone is not fair.
 * - The clock is read every few steps, not at each (a read costs about as
 *   much as four steps); how many is adapted per process to the cost of its
 *   steps, down to every step once steps get slow.
 * - What a slice used is charged to the process: `cpu` (never reset) and
 *   `attained` (reset when it blocks), which the least-attained policy orders by.
 * - A step that yields anything but a receive gets an `InvalidEffectError`
 *   thrown back in at that yield, so the process can catch it.
 */
import type { Clock } from '../clock.js';
import { switchTo } from '../context.js';
import { RECEIVE, TIMEOUT } from '../effect.js';
import { InvalidEffectError } from '../errors.js';
import { type ExitReason, ProcessExit, errorReason } from '../exit-reason.js';
import { type Process, type ProcessStatus, RUNNING, WAITING } from '../process.js';
import { endReceive } from '../receive.js';
import { NOT_IN_HEAP } from '../least-attained-queue.js';

/**
 * Steps between clock reads for a process whose step cost is not known yet:
 * 1, so that a process whose very first steps are expensive cannot overrun
 * its first slice; after one step the interval adapts.
 */
export const CLOCK_EVERY_INITIAL = 1;
/** At most this many steps between clock reads, however cheap the steps. */
const CLOCK_EVERY_MAX = 1024;
/**
 * A process that may run this many steps between clock reads (steps of at
 * most ~2 µs) is "known cheap": its slices start from the last reading
 * instead of one of their own, saving two clock reads per slice for
 * processes that run a step or two and block, like most servers.
 */
export const CLOCK_EVERY_CHEAP = 64;
/** The clock is read often enough that this fraction of a slice cannot pass unseen. */
const CLOCK_SLICE_FRACTION = 8;

/** What a slice asks of the rest of the scheduler. */
export interface SliceHost {
  readonly clock: Clock;
  readonly reductionsPerSlice: number;
  readonly sliceTimeLimit: number;
  /** The process used its slice and goes back in the queue. */
  makeRunnable(p: Process): void;
  /** The process blocks in a receive with a timeout. */
  startReceiveTimeout(p: Process): void;
  /** The process ends (its body returned, threw `ProcessExit`, or an exit signal is pending). */
  beginExit(p: Process, reason: ExitReason): void;
  /** The process crashed: reported, then ended. */
  fail(p: Process, reason: ExitReason): void;
}

export class SliceRunner {
  /** Last clock reading: slices of known-cheap processes start from it instead of reading again. */
  lastClock = 0;
  /** Reductions of every process since the scheduler started. */
  totalReductions = 0;

  constructor(private readonly host: SliceHost) {}

  /**
   * Runs `p` until it blocks, ends or uses up its slice. The clock is read
   * every `p.clockEvery` of its steps; a `measured` slice (one that started
   * with its own clock read) also reads it at the end, so that a process's
   * step cost is learnt even when its slices are a step or two long.
   */
  run(p: Process, measured: boolean): void {
    const host = this.host;
    const clock = host.clock;
    const sliceTimeLimit = host.sliceTimeLimit;
    const previous = switchTo(p);
    p.status = RUNNING;
    const sliceStart = this.lastClock;
    const startReductions = p.reductions;
    try {
      if (p.receive !== null && !this.retryReceive(p)) return;
      const generator = p.generator!;
      const budgetEnd = p.reductions + host.reductionsPerSlice;
      let nextCheck = p.reductions + p.clockEvery;
      let resume = p.resume;
      let toThrow: InvalidEffectError | undefined;
      if (resume instanceof ThrowOnResume) {
        toThrow = resume.error;
        resume = undefined;
      }
      p.resume = undefined;
      for (;;) {
        let result: IteratorResult<unknown, unknown>;
        try {
          result = toThrow === undefined ? generator.next(resume) : generator.throw(toThrow);
        } catch (thrown) {
          this.crashed(p, thrown);
          return;
        }
        toThrow = undefined;
        resume = undefined;
        p.reductions += 1;
        this.totalReductions += 1;
        if (result.done === true) {
          p.generator = null;
          host.beginExit(p, p.pendingExit ?? 'normal');
          return;
        }
        if (p.pendingExit !== null) {
          host.beginExit(p, p.pendingExit);
          return;
        }
        const effect = result.value;
        if (effect === RECEIVE) {
          const found = this.takeMatch(p);
          if (found === CRASHED) return;
          if (found !== NO_MATCH) {
            resume = found;
            endReceive(p);
          } else if (p.receive!.timeout === 0) {
            resume = TIMEOUT;
            endReceive(p);
          } else {
            this.block(p);
            return;
          }
        } else if (effect !== undefined) {
          // Thrown into the generator at the yield that produced it (on its next step, which
          // may be in its next slice), so a try/catch around that yield can handle it.
          toThrow = new InvalidEffectError(effect);
        }
        if (p.reductions >= nextCheck) {
          const now = clock.now();
          this.learnStepCost(p, now - this.lastClock, p.reductions - (nextCheck - p.clockEvery));
          this.lastClock = now;
          nextCheck = p.reductions + p.clockEvery;
          if (now - sliceStart >= sliceTimeLimit) {
            p.resume = toThrow === undefined ? resume : new ThrowOnResume(toThrow);
            host.makeRunnable(p);
            return;
          }
        }
        if (p.reductions >= budgetEnd) {
          p.resume = toThrow === undefined ? resume : new ThrowOnResume(toThrow);
          host.makeRunnable(p);
          return;
        }
      }
    } finally {
      switchTo(previous);
      const steps = p.reductions - startReductions;
      if (measured && steps > 0) {
        const now = clock.now();
        p.attained += now - sliceStart;
        p.cpu += now - sliceStart;
        this.learnStepCost(p, now - sliceStart, steps);
        this.lastClock = now;
      } else {
        // A known-cheap process: charge what its steps cost at most, without reading the clock.
        const charge = (steps * sliceTimeLimit) / CLOCK_SLICE_FRACTION / p.clockEvery;
        p.attained += charge;
        p.cpu += charge;
      }
      if ((p.status as ProcessStatus) === WAITING) {
        p.attained = 0;
        p.heapSince = NOT_IN_HEAP;
      }
    }
  }

  /**
   * Sets how many steps `p` runs between clock reads from what `steps` of
   * them cost: enough reads that no more than a fraction of a slice passes
   * unseen, and no more reads than that.
   */
  private learnStepCost(p: Process, elapsed: number, steps: number): void {
    const perStep = elapsed / Math.max(1, steps);
    const target = this.host.sliceTimeLimit / CLOCK_SLICE_FRACTION;
    p.clockEvery = perStep <= 0 ? CLOCK_EVERY_MAX : Math.max(1, Math.min(CLOCK_EVERY_MAX, Math.floor(target / perStep)));
  }

  /**
   * A process woken inside `receive` (by a message or its timeout) looks at
   * what arrived since it last looked. False if it went back to waiting or died.
   */
  private retryReceive(p: Process): boolean {
    const found = this.takeMatch(p);
    if (found === CRASHED) return false;
    if (found !== NO_MATCH) {
      p.resume = found;
    } else if (p.receive!.timedOut) {
      p.resume = TIMEOUT;
    } else {
      p.status = WAITING;
      return false;
    }
    endReceive(p);
    return true;
  }

  /** Takes the first message the pending receive matches; a matcher that throws crashes `p`. */
  private takeMatch(p: Process): unknown {
    const mailbox = p.mailbox;
    if (mailbox === null) return NO_MATCH;
    const size = mailbox.size;
    const pending = p.receive!;
    const match = pending.match;
    if (match === undefined) return size > 0 ? mailbox.removeAt(0) : NO_MATCH;
    try {
      for (let i = pending.scanned; i < size; i++) {
        if (match(mailbox.at(i))) return mailbox.removeAt(i);
      }
    } catch (thrown) {
      // The generator is still suspended in receive: its finally blocks run as it exits.
      this.host.fail(p, errorReason(thrown));
      return CRASHED;
    }
    pending.scanned = size;
    return NO_MATCH;
  }

  private block(p: Process): void {
    p.status = WAITING;
    if (p.receive!.timeout !== Infinity) this.host.startReceiveTimeout(p);
  }

  /** The generator threw: it has finished, so there is nothing to unwind. */
  private crashed(p: Process, thrown: unknown): void {
    p.generator = null;
    if (thrown instanceof ProcessExit) this.host.beginExit(p, p.pendingExit ?? thrown.reason);
    else this.host.fail(p, errorReason(thrown));
  }
}

const NO_MATCH: unique symbol = Symbol('strand.no-match');
const CRASHED: unique symbol = Symbol('strand.crashed');

/** Carries an error to throw into a process when it resumes, across a preemption. */
class ThrowOnResume {
  constructor(readonly error: InvalidEffectError) {}
}
