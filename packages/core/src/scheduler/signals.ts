/**
 * Signals between processes, as Erlang defines them: messages into
 * mailboxes, links, monitors and exit signals, and the ending of a process.
 *
 * Contract
 * - The sending side (`link`, `monitor`, `exitFrom`…) records its half at
 *   once and routes a signal to the target, wherever it lives; this module
 *   only ever applies signals to this scheduler's own processes (`signal`).
 * - A signal to a dead or unknown target answers as signal.ts says: a link
 *   gets an exit with `noproc`, a monitor a `DOWN` with `noproc` (or the
 *   recent exit reason, for `awaitExit` racing a death on another thread).
 * - Exit signals follow Erlang: `kill` from `exit/2` cannot be trapped and
 *   ends with `killed`; a trapping process gets `{ type: 'EXIT' }` messages
 *   instead; `normal` from another process is ignored unless trapped.
 * - Ending a process runs its `finally` blocks as that process, then tells
 *   its links, monitors and `awaitExit` waiters, in that order. Ends are
 *   worked off in a loop, not recursively, so a chain of a million linked
 *   processes dies without overflowing the stack.
 */
import { switchTo } from '../context.js';
import { InvalidExitReasonError, InvalidPidError } from '../errors.js';
import { type ExitReason, type ExitReasonInput, toExitReason } from '../exit-reason.js';
import { memoryLimitReason } from '../heap-watch.js';
import { Mailbox } from '../mailbox.js';
import { type Pid, formatPid, isPid } from '../pid.js';
import { EXITED, EXITING, type Process, RUNNING, WAITING } from '../process.js';
import { MATCH_NOTHING, endReceive } from '../receive.js';
import { type Ref, makeRef } from '../ref.js';
import type { NameRegistry } from '../registry.js';
import type { Envelope, Signal } from '../signal.js';
import type { DownMessage, ExitMessage } from '../system-messages.js';
import type { TraceDetail, TraceEvent } from '../trace.js';
import type { CrashReport } from './options.js';

/**
 * Exit reasons a scheduler of a multi-threaded runtime remembers, for
 * `awaitExit` racing a signal from another thread. A few thousand covers any
 * race between threads (microseconds) many times over, for ~100 KB.
 */
const RECENT_EXITS = 4096;

/**
 * Abandoned refs a process remembers at most; the oldest is forgotten first.
 * A reply that has not come after this many later give-ups is not coming.
 */
const ABANDONED_MAX = 1024;

/** What signals ask of the rest of the scheduler. */
export interface SignalsHost {
  readonly table: Map<Pid, Process>;
  readonly registry: NameRegistry;
  readonly mailboxLimit: number;
  /** Remember recent exit reasons (only with other threads to race). */
  readonly keepRecentExits: boolean;
  readonly onCrash: (report: CrashReport) => void;
  /** Applies an envelope here or carries it to the scheduler that owns its target. */
  route(envelope: Envelope): void;
  makeRunnable(p: Process): void;
}

interface Dying {
  readonly process: Process;
  readonly reason: ExitReason;
}

export class Signals {
  /** Why the last `RECENT_EXITS` processes ended, for `awaitExit` (see `Signal` monitor). */
  private readonly recentExits = new Map<Pid, ExitReason>();
  private readonly dying: Dying[] = [];
  private draining = false;

  constructor(private readonly host: SignalsHost) {}

  // ─── Sending ──────────────────────────────────────────────────────────────

  exitFrom(from: Pid, pid: Pid, reason: ExitReasonInput): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const normalized = toExitReason(reason);
    if (normalized === undefined) throw new InvalidExitReasonError(reason);
    this.host.route({ kind: 'exit', to: pid, from, reason: normalized, link: false });
  }

  link(p: Process, pid: Pid): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    if (pid === p.pid) return;
    (p.links ??= new Set()).add(pid);
    this.host.route({ kind: 'link', to: pid, from: p.pid });
  }

  unlink(p: Process, pid: Pid): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    if (p.links?.delete(pid)) this.host.route({ kind: 'unlink', to: pid, from: p.pid });
  }

  monitor(p: Process, pid: Pid, recent = false): Ref {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const ref = makeRef();
    (p.monitors ??= new Map()).set(ref, pid);
    this.host.route(recent ? { kind: 'monitor', to: pid, from: p.pid, ref, recent } : { kind: 'monitor', to: pid, from: p.pid, ref });
    return ref;
  }

  demonitor(p: Process, ref: Ref, flush: boolean): boolean {
    const target = p.monitors?.get(ref);
    if (target !== undefined) {
      p.monitors!.delete(ref);
      this.host.route({ kind: 'demonitor', to: target, from: p.pid, ref });
    }
    if (flush) p.mailbox?.removeWhere((m) => (m as DownMessage | null)?.type === 'DOWN' && (m as DownMessage).ref === ref);
    return target !== undefined;
  }

  /** Drops a message carrying `ref` (as its `ref` property) that is in `p`'s mailbox, and one that arrives later. */
  abandon(p: Process, ref: Ref): void {
    const abandoned = (p.abandoned ??= new Set());
    abandoned.add(ref);
    if (abandoned.size > ABANDONED_MAX) abandoned.delete(abandoned.values().next().value!);
    p.mailbox?.removeWhere((m) => isAbandoned(abandoned, m));
  }

  // ─── Applying, to this scheduler's processes ──────────────────────────────

  /** Puts a message in `target`'s mailbox and wakes it if its receive may want it. */
  deliver(target: Process, message: unknown): void {
    if (target.status >= EXITING) return;
    if (target.abandoned !== null && isAbandoned(target.abandoned, message)) return;
    (target.mailbox ??= new Mailbox()).push(message);
    if (target.mailbox.size > this.host.mailboxLimit) {
      this.killForMemory(target, `${formatPid(target.pid)} (${target.actor.name}) had more than ${this.host.mailboxLimit} messages in its mailbox`);
      return;
    }
    if (target.trace !== null) this.emitTrace(target, { event: 'receive', message });
    if (target.status === WAITING && target.receive!.match !== MATCH_NOTHING) this.host.makeRunnable(target);
  }

  /** Sends `p`'s tracer one event; after the last one its limit allows, tracing stops with `'end'`. */
  emitTrace(p: Process, detail: TraceDetail): void {
    const trace = p.trace!;
    this.sendTrace(trace.tracer, p.pid, detail);
    trace.left -= 1;
    if (trace.left > 0) return;
    p.trace = null;
    this.sendTrace(trace.tracer, p.pid, { event: 'end', reason: 'limit' });
  }

  private sendTrace(tracer: Pid, pid: Pid, detail: TraceDetail): void {
    const event: TraceEvent = { type: 'trace', pid, at: Date.now(), ...detail };
    this.host.route({ kind: 'message', to: tracer, message: event });
  }

  /**
   * Applies a signal to its target, one of this scheduler's processes; a
   * dead or unknown target answers as the signal's contract says (see signal.ts).
   */
  signal(s: Signal): void {
    const target = this.host.table.get(s.to);
    switch (s.kind) {
      case 'exit':
        if (target !== undefined) this.applyExit(target, s.from, s.reason, s.link);
        return;
      case 'link':
        if (target !== undefined && target.status < EXITING) (target.links ??= new Set()).add(s.from);
        else this.host.route({ kind: 'exit', to: s.from, from: s.to, reason: 'noproc', link: true });
        return;
      case 'unlink':
        target?.links?.delete(s.from);
        return;
      case 'monitor': {
        if (target !== undefined && target.status < EXITING) {
          (target.monitoredBy ??= new Map()).set(s.ref, s.from);
          return;
        }
        const reason = (s.recent === true ? this.recentExits.get(s.to) : undefined) ?? 'noproc';
        this.host.route({ kind: 'down', to: s.from, ref: s.ref, pid: s.to, reason });
        return;
      }
      case 'demonitor':
        target?.monitoredBy?.delete(s.ref);
        return;
      case 'down':
        if (target !== undefined && target.monitors?.delete(s.ref) === true) {
          const down: DownMessage = { type: 'DOWN', ref: s.ref, pid: s.pid, reason: s.reason };
          this.deliver(target, down);
        }
        return;
      case 'named':
        if (target === undefined || target.status >= EXITING) this.host.registry.releasePid(s.to);
        return;
      case 'trace':
        if (target === undefined || target.status >= EXITING) {
          this.sendTrace(s.tracer, s.to, { event: 'end', reason: 'noproc' });
          return;
        }
        if (target.trace !== null && s.limit === 0) this.sendTrace(target.trace.tracer, s.to, { event: 'end', reason: 'stopped' });
        target.trace = s.limit > 0 ? { tracer: s.tracer, left: s.limit } : null;
        return;
    }
  }

  /** Erlang's rules for an exit signal arriving at `target`. */
  private applyExit(target: Process, from: Pid, reason: ExitReason, link: boolean): void {
    if (target.status >= EXITING) return;
    // A link signal only counts while the link exists: unlink wins over a later death.
    if (link && target.links?.delete(from) !== true) return;
    if (reason === 'kill' && !link) {
      this.endProcess(target, 'killed');
    } else if (target.trapExit) {
      const exit: ExitMessage = { type: 'EXIT', from, reason };
      this.deliver(target, exit);
    } else if (reason === 'normal') {
      if (from === target.pid) this.endProcess(target, 'normal');
    } else {
      this.endProcess(target, reason);
    }
  }

  // ─── Ending ───────────────────────────────────────────────────────────────

  /** Ends `p`, or, if it is running right now, at its next yield. */
  endProcess(p: Process, reason: ExitReason): void {
    if (p.status === RUNNING) p.pendingExit ??= reason;
    else this.beginExit(p, reason);
  }

  /** The process crashed (its body threw, or its matcher): reported, unless an exit signal was already on its way, then ended. */
  fail(p: Process, error: ExitReason): void {
    const reason = p.pendingExit ?? error;
    if (p.pendingExit === null) this.reportCrash(p.pid, p.actor.name, p.actor.module, reason);
    this.beginExit(p, reason);
  }

  /** Ends `p` for using too much memory (untrappable), and reports it as a crash. */
  killForMemory(p: Process, message: string): void {
    if (p.status >= EXITING) return;
    const reason = memoryLimitReason(message);
    p.heapGrowth = 0;
    this.endProcess(p, reason);
    this.host.onCrash({ pid: p.pid, actor: p.actor.name, module: p.actor.module, reason });
  }

  reportCrash(pid: Pid, actor: string, module: string, reason: ExitReason): void {
    // The reporter is plain code: no process is calling.
    const previous = switchTo(null);
    try {
      this.host.onCrash({ pid, actor, module, reason });
    } catch {
      // A failing crash reporter must not take the scheduler down with it.
    } finally {
      switchTo(previous);
    }
  }

  /** Queues `p`'s exit and, unless an exit is being worked off already, works off the queue. */
  beginExit(p: Process, reason: ExitReason): void {
    if (p.status >= EXITING) return;
    p.status = EXITING;
    this.dying.push({ process: p, reason: reason === 'kill' ? 'killed' : reason });
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.dying.shift(); next !== undefined; next = this.dying.shift()) this.finish(next.process, next.reason);
    } finally {
      this.draining = false;
    }
  }

  /** Releases everything `p` held, runs its `finally` blocks, and tells links, monitors and waiters. */
  private finish(p: Process, reason: ExitReason): void {
    const host = this.host;
    const pid = p.pid;
    host.table.delete(pid);
    host.registry.releasePid(pid);
    endReceive(p);
    const generator = p.generator;
    p.generator = null;
    if (generator !== null) unwind(p, generator);
    p.mailbox = null;
    if (p.links !== null) {
      for (const other of p.links) host.route({ kind: 'exit', to: other, from: pid, reason, link: true });
      p.links = null;
    }
    if (p.monitors !== null) {
      for (const [ref, target] of p.monitors) host.route({ kind: 'demonitor', to: target, from: pid, ref });
      p.monitors = null;
    }
    if (p.monitoredBy !== null) {
      for (const [ref, watcher] of p.monitoredBy) host.route({ kind: 'down', to: watcher, ref, pid, reason });
      p.monitoredBy = null;
    }
    if (p.trace !== null) {
      const { tracer } = p.trace;
      p.trace = null;
      this.sendTrace(tracer, pid, { event: 'exit', reason });
      this.sendTrace(tracer, pid, { event: 'end', reason });
    }
    p.status = EXITED;
    if (host.keepRecentExits) {
      this.recentExits.set(pid, reason);
      if (this.recentExits.size > RECENT_EXITS) this.recentExits.delete(this.recentExits.keys().next().value!);
    }
    if (p.exitWaiters !== null) {
      for (const resolve of p.exitWaiters) resolve(reason);
      p.exitWaiters = null;
    }
  }
}

/**
 * Runs the `finally` blocks of a process ended while suspended, as that
 * process. What they throw is ignored; a `yield` in them ends the cleanup.
 */
function unwind(p: Process, generator: Generator<unknown, unknown, unknown>): void {
  const previous = switchTo(p);
  try {
    generator.return(undefined);
  } catch {
    // The process is already ending; an error in its cleanup changes nothing.
  } finally {
    switchTo(previous);
  }
}

function isAbandoned(abandoned: Set<Ref>, message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const ref = (message as { ref?: unknown }).ref;
  if (typeof ref !== 'string' || !abandoned.has(ref as Ref)) return false;
  abandoned.delete(ref as Ref);
  return true;
}
