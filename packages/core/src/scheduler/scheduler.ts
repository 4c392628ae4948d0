/**
 * Scheduler: runs processes on this thread, preemptively.
 *
 * This module is the scheduler's face: the API for plain code (`spawn`,
 * `send`, `exit`, names, `awaitExit`, `stop`…), the `ProcessHost` the
 * process API calls; its parts, one concept each, are wired in assembly.ts:
 *
 * | part | module | what it owns |
 * |---|---|---|
 * | options | options.ts | defaults, validation |
 * | spawning | spawning.ts | pids, placement, creating a process |
 * | run loop | run-loop.ts | the run queue and its policy, turns, the status board, the heap limit |
 * | slice | slice.ts | one slice of one process: budget, clock reads, CPU accounting, receive matching |
 * | signals | signals.ts | mailboxes, links, monitors, exit signals, ending a process |
 * | routing | routing.ts | envelopes to other schedulers, unborn pids, lost schedulers |
 * | timers | timers.ts | receive timeouts, `sendAfter`, the wake-up timer |
 *
 * `processInfo` views are built in process-view.ts.
 *
 * Data flows one way: plain code and processes call this module; it hands
 * envelopes to routing, which applies them through signals or forwards them
 * to the router (another thread); the run loop runs slices, which end in
 * signals (exits) or the timers (receive timeouts).
 *
 * Two ways to drive it: `'event-loop'` (the default) runs turns by itself;
 * `'manual'` runs nothing until `step()` is called, for deterministic tests
 * with a `ManualClock`.
 */
import type { Actor, ActorRef } from '../actor.js';
import { assertCloneable } from '../cloneable.js';
import type { Clock } from '../clock.js';
import { InvalidNameError, InvalidOptionError, InvalidPidError, NoProcError, NotRegisteredError, StoppedError } from '../errors.js';
import type { ExitReason, ExitReasonInput } from '../exit-reason.js';
import { Inbox, InboxRelay } from '../inbox.js';
import { type Pid, formatPid, isPid, nodeOf, ownerOf } from '../pid.js';
import { EXITED, EXITING, type Process, RUNNING } from '../process.js';
import type { ProcessInfo } from '../process-info.js';
import { TIMEOUT, checkTimeout } from '../receive.js';
import type { Ref } from '../ref.js';
import type { NameRegistry } from '../registry.js';
import type { Batch, Envelope } from '../signal.js';
import type { DownMessage } from '../system-messages.js';
import { DEFAULT_TRACE_LIMIT, MAX_TRACE_EVENTS } from '../trace.js';
import { type SchedulerOptions, readOptions } from './options.js';
import { assemble } from './assembly.js';
import { mailboxOf, viewOf, viewOfLoading } from './process-view.js';
import type { Routing } from './routing.js';
import type { RunLoop } from './run-loop.js';
import type { Signals } from './signals.js';
import type { SliceRunner } from './slice.js';
import { OUTSIDE, type Spawning } from './spawning.js';
import type { Timers } from './timers.js';

export { OUTSIDE } from './spawning.js';

export interface SchedulerStats {
  readonly processes: number;
  readonly runQueue: number;
  readonly reductions: number;
  readonly timers: number;
}

// Not `implements ProcessHost`: those members are marked internal and stripped from the published
// types, so a declaration file that claimed the interface would not compile for users (tsc without
// skipLibCheck). Passing `this` to `assemble` below, as its ProcessHost, checks the fit instead.
export class Scheduler {
  private readonly index: number;
  /** The cluster node written into this scheduler's pids; 0 outside a cluster. */
  readonly node: number;
  private readonly clock: Clock;
  private readonly manual: boolean;
  private readonly registry: NameRegistry;
  /** Added to clock readings to show them as epoch times. */
  private readonly epochOffset = performance.timeOrigin;
  private readonly table = new Map<Pid, Process>();
  private readonly spawning: Spawning;
  private readonly signals: Signals;
  private readonly routing: Routing;
  private readonly timers: Timers;
  private readonly slices: SliceRunner;
  private readonly loop: RunLoop;
  private stopped = false;

  constructor(options: SchedulerOptions = {}) {
    const settings = readOptions(options);
    this.index = settings.index;
    this.node = settings.node;
    this.clock = settings.clock;
    this.manual = settings.manual;
    this.registry = settings.registry;
    // `this` is the ProcessHost its processes see (see the note above the class).
    ({
      spawning: this.spawning,
      signals: this.signals,
      routing: this.routing,
      timers: this.timers,
      slices: this.slices,
      loop: this.loop,
    } = assemble(settings, this.table, this, this.epochOffset));
  }

  // ─── Public API for plain code ────────────────────────────────────────────

  /** Starts a process running `actor(...args)` and returns its pid. */
  spawn<A extends readonly unknown[], M = any>(actor: Actor<A, M> | ActorRef, ...args: A): Pid<M> {
    return this.create(actor as Actor<readonly unknown[]>, args);
  }

  /** Like `spawn`, on the scheduler with index `owner` rather than where placement would put it. */
  spawnOn<A extends readonly unknown[], M = any>(owner: number, actor: Actor<A, M>, ...args: A): Pid<M> {
    return this.create(actor as Actor<readonly unknown[]>, args, undefined, false, owner);
  }

  /**
   * Sends `message` to a pid (dropped if it is dead) or a registered name
   * (throws `NotRegisteredError` if unknown). Throws `UncloneableError` if
   * the message could not be copied to another thread.
   */
  send<M = unknown>(dest: Pid<M> | string, message: NoInfer<M>): void {
    assertCloneable(message, 'message');
    this.routing.routeMessage(this.resolve(dest), message);
  }

  /**
   * Traces `pid`, wherever it runs: at most `limit` events (default
   * `DEFAULT_TRACE_LIMIT`, at most `MAX_TRACE_EVENTS`) go to `tracer` as
   * `TraceEvent` messages, then an `'end'`; `limit: 0` stops (see trace.ts).
   */
  trace(pid: Pid, options: { readonly tracer: Pid; readonly limit?: number }): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const tracer = options?.tracer;
    if (!isPid(tracer)) throw new InvalidPidError(tracer);
    const limit = options.limit ?? DEFAULT_TRACE_LIMIT;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_TRACE_EVENTS) {
      throw new InvalidOptionError('limit', limit, `an integer from 0 to ${MAX_TRACE_EVENTS}`);
    }
    this.routing.route({ kind: 'trace', to: pid, tracer, limit });
  }

  /** Sends an exit signal from outside any process (`from` is `OUTSIDE`). */
  exit(pid: Pid, reason: ExitReasonInput): void {
    this.signals.exitFrom(OUTSIDE, pid, reason);
  }

  register(name: string, pid: Pid): void {
    this.registerName(name, pid);
  }

  unregister(name: string): void {
    this.unregisterName(name);
  }

  whereis(name: string): Pid | undefined {
    return this.registry.whereis(checkName(name));
  }

  /** Everything the observer shows of one process; undefined once it is gone. */
  processInfo(pid: Pid): ProcessInfo | undefined {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const p = this.table.get(pid);
    if (p !== undefined && p.status < EXITED) return viewOf(p, this.registry.nameOf(pid));
    const spawn = this.routing.loading.get(pid);
    return spawn === undefined ? undefined : viewOfLoading(spawn, this.routing.held(pid), this.registry.nameOf(pid), this.epochOffset + this.clock.now());
  }

  /**
   * The first `count` messages in `pid`'s mailbox, oldest first, for a person
   * to look at (the observer); undefined if it is not a live process here. A
   * message that could not be copied to another thread is shown by why.
   */
  mailboxPreview(pid: Pid, count: number): unknown[] | undefined {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    if (!Number.isInteger(count) || count < 0) throw new InvalidOptionError('count', count, 'a non-negative integer');
    const p = this.table.get(pid);
    return p === undefined || p.status >= EXITED ? undefined : mailboxOf(p, count);
  }

  /**
   * A mailbox for plain async code: its pid can be sent to, linked and
   * monitored like a process's, and `receive` returns a promise.
   */
  inbox<M = any>(): Inbox<M> {
    const inbox: Inbox<M> = new Inbox<M>({
      send: (pid, message) => this.routing.routeMessage(pid, message),
      monitor: (pid): Ref => this.signals.monitor(this.table.get(inbox.pid)!, pid),
      demonitor: (ref) => {
        const relay = this.table.get(inbox.pid);
        if (relay !== undefined) this.signals.demonitor(relay, ref, true);
      },
      abandon: (ref) => {
        const relay = this.table.get(inbox.pid);
        if (relay !== undefined) this.signals.abandon(relay, ref);
      },
    });
    inbox.attach(this.create(InboxRelay as Actor<readonly unknown[]>, [inbox], undefined, false, this.index, true));
    return inbox;
  }

  /** Pids of every live process. */
  processes(): Pid[] {
    // Those whose module is still loading exist already (see processInfo).
    return [...this.table.keys(), ...this.routing.loading.keys()];
  }

  /** Names currently registered. */
  registered(): string[] {
    return this.registry.registered();
  }

  /**
   * Resolves with the exit reason of `pid` once it ends; `'noproc'` if it is
   * already gone. Works for a pid on any scheduler (through a monitor).
   */
  awaitExit(pid: Pid): Promise<ExitReason> {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const p = this.table.get(pid);
    if (p !== undefined) return new Promise((resolve) => (p.exitWaiters ??= []).push(resolve));
    if (ownerOf(pid) === this.index && nodeOf(pid) === this.node) return Promise.resolve('noproc');
    const inbox = this.inbox();
    const ref = this.signals.monitor(this.table.get(inbox.pid)!, pid, true);
    return inbox.receive({ type: 'DOWN', ref }).then((down) => {
      inbox.close();
      // TIMEOUT: this scheduler stopped before the DOWN came; the answer was lost with it.
      return down === TIMEOUT ? 'noconnection' : (down as DownMessage).reason;
    });
  }

  /** Sends `message` to `dest` after `ms` milliseconds; cancel with `cancelTimer`. */
  sendAfter<M = unknown>(ms: number, dest: Pid<M> | string, message: NoInfer<M>): Ref {
    this.assertRunning();
    const delay = checkTimeout(ms);
    if (!isPid(dest) && (typeof dest !== 'string' || dest.length === 0)) throw new InvalidPidError(dest);
    assertCloneable(message, 'message');
    return this.timers.sendAfter(delay, dest, message);
  }

  /** Cancels a `sendAfter` timer; false if it already fired or was cancelled. */
  cancelTimer(ref: Ref): boolean {
    return this.timers.cancel(ref);
  }

  get stats(): SchedulerStats {
    return {
      processes: this.table.size,
      runQueue: this.loop.length,
      reductions: this.slices.totalReductions,
      timers: this.timers.size,
    };
  }

  /**
   * Manual drive only: fires due timers, then runs one slice of the next
   * runnable process. Returns false when nothing was runnable.
   */
  step(): boolean {
    if (!this.manual) throw new InvalidOptionError('drive', 'event-loop', "'manual' to call step()");
    return this.loop.step();
  }

  /** Manual drive only: steps until nothing is runnable or `maxSlices` ran. Returns the slices run. */
  runUntilIdle(maxSlices = 1_000_000): number {
    let slices = 0;
    while (slices < maxSlices && this.step()) slices += 1;
    return slices;
  }

  /**
   * Ends every process with reason `'shutdown'` (trapping does not help: the
   * scheduler is going away), cancels all timers and takes no more work.
   * Nothing of the scheduler keeps the Node process alive afterwards.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.loop.stop();
    for (const p of [...this.table.values()]) {
      if (p.status === RUNNING) p.pendingExit ??= 'shutdown';
      else this.signals.beginExit(p, 'shutdown');
    }
    this.timers.stop();
    this.loop.clear();
    this.routing.stop();
  }

  /** The last pid serial this scheduler handed out. */
  get lastSerial(): number {
    return this.spawning.lastSerial;
  }

  /**
   * Takes a batch of envelopes that another scheduler sent here, in the
   * order they were sent. Plain code of the thread calls it when a batch arrives.
   */
  accept(batch: Batch): void {
    this.routing.accept(batch);
  }

  /** Scheduler `owner` is gone, with every process it had (see routing.ts). */
  lostScheduler(owner: number, deadUpTo: readonly number[], reasonOf: (pid: Pid) => ExitReason): void {
    this.routing.lostScheduler(owner, deadUpTo, reasonOf);
  }

  /**
   * Takes an envelope that came from another cluster node: applied here if
   * this scheduler owns its target, else forwarded to the thread that does.
   * Plain code calls it in the order the node sent them.
   */
  acceptRemote(envelope: Envelope): void {
    this.routing.route(envelope);
  }

  /** Answers for an envelope that could not reach its node: links and monitors get `'noconnection'`. */
  unreachable(envelope: Envelope): void {
    this.routing.unreachable(envelope);
  }

  /** Cluster node `node` is lost: links and monitors to its processes end with `'noconnection'`. */
  lostNode(node: number): void {
    this.routing.lostNode(node);
  }

  // ─── ProcessHost: what the process API calls ──────────────────────────────

  /**
   * @internal Makes a process for `actor(...args)` on the scheduler placement
   * chooses (or `owner`), linked to `parent` when `link` is set, and returns
   * its pid at once. On another scheduler the process is created when the
   * spawn envelope arrives; the link half on this side exists already, and
   * the envelope carries the other, so the child is linked before it runs.
   */
  create(
    actor: Actor<readonly unknown[]> | ActorRef,
    args: readonly unknown[],
    parent?: Process,
    link = false,
    owner?: number,
    trusted = false,
  ): Pid {
    this.assertRunning();
    const pid = this.spawning.create(actor, args, parent, link, owner, trusted);
    if (parent !== undefined && parent.trace !== null) this.signals.emitTrace(parent, { event: 'spawn', child: pid, actor: actor.name });
    return pid;
  }

  /** @internal Sends a checked message from process `p`. */
  sendFrom(p: Process, dest: Pid | string, message: unknown): void {
    assertCloneable(message, 'message');
    const to = this.resolve(dest);
    this.routing.routeMessage(to, message);
    if (p.trace !== null) this.signals.emitTrace(p, { event: 'send', to, message });
  }

  /** @internal */
  exitFrom(from: Pid, pid: Pid, reason: ExitReasonInput): void {
    this.signals.exitFrom(from, pid, reason);
  }

  /** @internal */
  link(p: Process, pid: Pid): void {
    this.signals.link(p, pid);
  }

  /** @internal */
  unlink(p: Process, pid: Pid): void {
    this.signals.unlink(p, pid);
  }

  /** @internal */
  monitor(p: Process, pid: Pid): Ref {
    return this.signals.monitor(p, pid);
  }

  /** @internal */
  demonitor(p: Process, ref: Ref, flush: boolean): boolean {
    return this.signals.demonitor(p, ref, flush);
  }

  /** @internal Drops a message carrying `ref` that is in `p`'s mailbox, and one that arrives later. */
  abandon(p: Process, ref: Ref): void {
    this.signals.abandon(p, ref);
  }

  /**
   * @internal A pid of this scheduler must be alive to take a name. One of
   * another scheduler cannot be checked without waiting, so its owner is
   * told, and releases the name if the process is already gone.
   */
  registerName(name: string, pid: Pid): void {
    checkName(name);
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const local = ownerOf(pid) === this.index;
    if (local) {
      const p = this.table.get(pid);
      if (p === undefined || p.status >= EXITING) throw new NoProcError(formatPid(pid));
    }
    this.registry.register(name, pid);
    if (!local) this.routing.route({ kind: 'named', to: pid });
  }

  /** @internal */
  unregisterName(name: string): void {
    this.registry.unregister(checkName(name));
  }

  // ─── Internals ────────────────────────────────────────────────────────────

  /** The pid `dest` names; throws for a bad pid or an unregistered name. */
  private resolve(dest: Pid | string): Pid {
    if (typeof dest === 'number') {
      if (!isPid(dest)) throw new InvalidPidError(dest);
      return dest;
    }
    if (typeof dest === 'string' && dest.length > 0) {
      const pid = this.registry.whereis(dest);
      if (pid === undefined) throw new NotRegisteredError(dest);
      return pid;
    }
    throw new InvalidPidError(dest);
  }

  private assertRunning(): void {
    if (this.stopped) throw new StoppedError();
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidNameError(name);
  return name;
}
