/**
 * Scheduler: runs processes on this thread, preemptively.
 *
 * Contract
 * - A process runs until it blocks in `receive`, ends, or uses up its slice:
 *   `reductionsPerSlice` resumes of its generator, or `sliceTimeLimitMs` of
 *   wall time, whichever comes first. The time cap exists because one step
 *   can be arbitrarily expensive (a BigInt multiply on a million-digit
 *   number takes milliseconds), so counting steps alone is not fair.
 * - The clock is read every few steps, not at each (a read costs about as
 *   much as four steps); how many is adapted per process to the cost of its
 *   steps, down to every step once steps get slow.
 * - After `turnTimeLimitMs` of running processes the scheduler returns to
 *   the Node event loop through `setImmediate` (a macrotask), so timers and
 *   I/O are never starved by a busy run queue.
 * - Which runnable process goes next is the policy's choice:
 *   `'least-attained'` (the default) serves first the process that has used
 *   the least CPU time since it last blocked, with a guaranteed share for
 *   long jobs (least-attained-queue.ts); `'round-robin'` serves first in,
 *   first out, a process that used its slice going to the back.
 *
 * Two ways to drive it: `'event-loop'` (the default) runs turns by itself;
 * `'manual'` runs nothing until `step()` is called, for deterministic tests
 * with a `ManualClock`.
 *
 * Sections: options and constants; public API for plain code; internal API
 * used by the process functions; running processes; signals and exits;
 * timers.
 */
import { type Actor, type ActorRef, findActor, isActor, isActorRef, loadActor } from './actor.js';
import { assertCloneable } from './cloneable.js';
import { type Clock, systemClock } from './clock.js';
import { switchTo } from './context.js';
import {
  InvalidActorError,
  InvalidEffectError,
  InvalidExitReasonError,
  InvalidNameError,
  InvalidOptionError,
  InvalidPidError,
  NoProcError,
  NotRegisteredError,
  StoppedError,
} from './errors.js';
import { type ExitReason, type ExitReasonInput, ProcessExit, errorReason, toExitReason } from './exit-reason.js';
import { Inbox, InboxRelay } from './inbox.js';
import { Mailbox } from './mailbox.js';
import { type Pid, PidAllocator, SCHEDULER_SLOTS, allocatorOf, formatPid, isPid, ownerOf, serialOf } from './pid.js';
import {
  EXITED,
  EXITING,
  Process,
  RUNNABLE,
  RUNNING,
  type ProcessStatus,
  type TimerPayload,
  WAITING,
} from './process.js';
import { MATCH_NOTHING, RECEIVE, TIMEOUT, checkTimeout, endReceive } from './receive.js';
import { type Ref, makeRef } from './ref.js';
import { type NameRegistry, Registry } from './registry.js';
import { SELF } from './self.js';
import { HeapWatch, memoryLimitReason } from './heap-watch.js';
import {
  BOARD_LAST_SERIAL,
  BOARD_PROCESSES,
  BOARD_REDUCTIONS,
  BOARD_RUNNING_ACTOR,
  BOARD_RUNNING_PID,
  BOARD_RUN_QUEUE,
  BOARD_SLICE_STARTED_AT,
  BOARD_SLOTS,
  BOARD_TURN_AT,
} from './status-board.js';
import { LeastAttainedQueue } from './least-attained-queue.js';
import { type ProcessQueue, RunQueue } from './run-queue.js';
import type { Batch, Envelope, Placement, Router, Signal, SpawnEnvelope } from './signal.js';
import type { DownMessage, ExitMessage } from './system-messages.js';
import { type Timer, TimerQueue } from './timer-queue.js';

// ─── Options and constants ──────────────────────────────────────────────────

/**
 * Resumes a process gets before it must let others run. 4000 is BEAM's
 * `CONTEXT_REDS`: long enough that switching costs nothing measurable, short
 * enough that a queue of a thousand processes turns over in milliseconds.
 */
export const REDUCTIONS_PER_SLICE = 4000;

/**
 * Wall time a slice may take, in ms, whatever its reduction count. 1 ms keeps
 * a short request's wait behind a long job's slice below what a client can
 * notice; 0.5 to 2 ms measured the same on the fairness demo.
 */
export const SLICE_TIME_LIMIT_MS = 1;

/**
 * How long the scheduler runs processes before it returns to the Node event
 * loop, in ms. Returning costs about 1.5 µs (a `setImmediate`), so 1 ms gives
 * timers, I/O and batches from other threads a turn at least 1000 times a
 * second for about 0.15% overhead. Measured: a message between two busy
 * threads waits up to one turn, so 2 ms turns tripled cross-thread latency.
 */
export const TURN_TIME_LIMIT_MS = 1;

/**
 * Steps between clock reads for a process whose step cost is not known yet:
 * 1, so that a process whose very first steps are expensive cannot overrun
 * its first slice; after one step the interval adapts.
 */
const CLOCK_EVERY_INITIAL = 1;
/** At most this many steps between clock reads, however cheap the steps. */
const CLOCK_EVERY_MAX = 1024;
/**
 * A process that may run this many steps between clock reads (steps of at
 * most ~2 µs) is "known cheap": its slices start from the last reading
 * instead of one of their own, saving two clock reads per slice for
 * processes that run a step or two and block, like most servers.
 */
const CLOCK_EVERY_CHEAP = 64;
/** The clock is read often enough that this fraction of a slice cannot pass unseen. */
const CLOCK_SLICE_FRACTION = 8;
/** A turn of known-cheap slices reads the clock every this many slices to see if it is over. */
const TURN_CLOCK_EVERY_SLICES = 64;
/**
 * Exit reasons a scheduler of a multi-threaded runtime remembers, for
 * `awaitExit` racing a signal from another thread. A few thousand covers any
 * race between threads (microseconds) many times over, for ~100 KB.
 */
const RECENT_EXITS = 4096;

export interface SchedulerOptions {
  /** Default `REDUCTIONS_PER_SLICE` (4000). */
  readonly reductionsPerSlice?: number;
  /** Default `SLICE_TIME_LIMIT_MS` (1). */
  readonly sliceTimeLimitMs?: number;
  /** Default `TURN_TIME_LIMIT_MS` (1). */
  readonly turnTimeLimitMs?: number;
  /** `'least-attained'` (default): short work first, long work keeps a share; `'round-robin'`: first in, first out. */
  readonly policy?: 'least-attained' | 'round-robin';
  /** Default: `performance.now()`. */
  readonly clock?: Clock;
  /** `'event-loop'` (default) runs by itself; `'manual'` only runs in `step()`. */
  readonly drive?: 'event-loop' | 'manual';
  /** This scheduler's index, written into its pids (0 to 63). Default 0. */
  readonly index?: number;
  /** The serial its pids continue from: a scheduler that replaces another must not reuse its pids. */
  readonly firstSerial?: number;
  /**
   * Per allocator, the serial up to which pids made for this scheduler's
   * index belong to a scheduler it replaces: they are dead, not unborn.
   */
  readonly deadUpTo?: readonly number[];
  /** Carries envelopes to other schedulers. Without one, every pid is local. */
  readonly router?: Router;
  /** Chooses where `spawn` puts a new process. Default: this scheduler. */
  readonly placement?: Placement;
  /** Where names live. Default: a registry of this scheduler's own. */
  readonly registry?: NameRegistry;
  /** Where to publish the running pid, queue length and more (status-board.ts). */
  readonly board?: Float64Array;
  /** Told of every process that ends by throwing. Default: a line on stderr. */
  readonly onCrash?: (report: CrashReport) => void;
  /**
   * This thread's heap limit (bytes): past it, the process that grew the
   * heap most is killed with a `MemoryLimitError` (see heap-watch.ts). Off by default.
   */
  readonly heapLimitBytes?: number;
  /** A process whose mailbox holds more messages than this is killed with a `MemoryLimitError`. Off by default. */
  readonly mailboxLimit?: number;
}

/** A process ended because its body threw. */
export interface CrashReport {
  readonly pid: Pid;
  readonly actor: string;
  readonly module: string;
  readonly reason: ExitReason;
}

export interface ProcessInfo {
  readonly pid: Pid;
  readonly status: 'runnable' | 'running' | 'waiting' | 'exiting';
  readonly reductions: number;
  readonly mailboxLength: number;
  readonly links: Pid[];
  /** Pids this process monitors. */
  readonly monitors: Pid[];
  /** Pids that monitor this process. */
  readonly monitoredBy: Pid[];
  readonly registeredName: string | undefined;
  readonly actor: string;
  readonly module: string;
  readonly trapExit: boolean;
  /** CPU time used since spawn, in ms. */
  readonly cpuMs: number;
  /** When it was spawned, in ms since the epoch. */
  readonly startedAt: number;
  /** What it waits in, when `status` is `'waiting'`. */
  readonly waitingIn: 'receive' | 'sleep' | undefined;
  /** Heap growth charged to it (bytes), when the scheduler has a heap limit. */
  readonly heapGrowthBytes: number;
}

export interface SchedulerStats {
  readonly processes: number;
  readonly runQueue: number;
  readonly reductions: number;
  readonly timers: number;
}

/**
 * The pid that stands for plain code (outside any process) as the sender of
 * an exit signal: serial 0, which no process ever gets.
 */
export const OUTSIDE = 0 as Pid;

const STATUS_NAMES = ['runnable', 'running', 'waiting', 'exiting'] as const;
const NO_MATCH: unique symbol = Symbol('strand.no-match');
const defaultOnCrash = (report: CrashReport): void => {
  const reason = report.reason;
  const detail = typeof reason === 'object' && 'error' in reason ? (reason.error.stack ?? reason.error.message) : String(reason);
  process.stderr.write(`[strand] process ${formatPid(report.pid)} (${report.actor}) crashed: ${detail}\n`);
};

interface Dying {
  readonly process: Process;
  readonly reason: ExitReason;
}

export class Scheduler {
  private readonly reductionsPerSlice: number;
  private readonly sliceTimeLimit: number;
  private readonly turnTimeLimit: number;
  private readonly clock: Clock;
  private readonly manual: boolean;
  private readonly onCrash: (report: CrashReport) => void;

  private readonly index: number;
  private readonly pids: PidAllocator;
  private readonly router: Router | undefined;
  private readonly placement: Placement | undefined;
  private readonly registry: NameRegistry;
  private readonly board: Float64Array | undefined;
  /** Added to clock readings to publish them as epoch times on the board. */
  private readonly epochOffset: number;
  private readonly table = new Map<Pid, Process>();
  /**
   * Envelopes for processes that other schedulers have spawned here but whose
   * spawn has not arrived yet (or whose module is still loading), in arrival order.
   */
  private readonly unborn = new Map<Pid, Envelope[]>();
  /** With other threads: why the last `RECENT_EXITS` processes ended, for `awaitExit` (see `Signal` monitor). */
  private readonly recentExits = new Map<Pid, ExitReason>();
  /** Spawns that arrived and wait for their actor's module to load. */
  private readonly loading = new Map<Pid, SpawnEnvelope>();
  /** Per allocator: the highest serial of a spawn envelope received from it. */
  private readonly spawnedUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
  private readonly runQueue: ProcessQueue<Process>;
  private readonly timers = new TimerQueue<TimerPayload>();
  private readonly sendTimers = new Map<Ref, Timer<TimerPayload>>();
  private readonly dying: Dying[] = [];
  private draining = false;

  private inTurn = false;
  private turnScheduled = false;
  private wakeup: ReturnType<typeof setTimeout> | undefined;
  private wakeupAt = Infinity;
  private stopped = false;

  /** Last clock reading: slices of known-cheap processes start from it instead of reading again. */
  private lastClock = 0;
  private totalReductions = 0;
  private readonly heapWatch: HeapWatch | undefined;
  private readonly mailboxLimit: number = Infinity;

  constructor(options: SchedulerOptions = {}) {
    this.reductionsPerSlice = positiveOption('reductionsPerSlice', options.reductionsPerSlice, REDUCTIONS_PER_SLICE, true);
    this.sliceTimeLimit = positiveOption('sliceTimeLimitMs', options.sliceTimeLimitMs, SLICE_TIME_LIMIT_MS, false);
    this.turnTimeLimit = positiveOption('turnTimeLimitMs', options.turnTimeLimitMs, TURN_TIME_LIMIT_MS, false);
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function') throw new InvalidOptionError('clock', clock, 'an object with a now() method');
    this.clock = clock;
    const policy = options.policy ?? 'least-attained';
    if (policy !== 'least-attained' && policy !== 'round-robin') {
      throw new InvalidOptionError('policy', policy, "'least-attained' or 'round-robin'");
    }
    this.runQueue = policy === 'round-robin' ? new RunQueue<Process>() : new LeastAttainedQueue<Process>();
    const drive = options.drive ?? 'event-loop';
    if (drive !== 'event-loop' && drive !== 'manual') throw new InvalidOptionError('drive', drive, "'event-loop' or 'manual'");
    this.manual = drive === 'manual';
    const index = options.index ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= SCHEDULER_SLOTS) {
      throw new InvalidOptionError('index', index, `an integer from 0 to ${SCHEDULER_SLOTS - 1}`);
    }
    this.index = index;
    this.pids = new PidAllocator(index, options.firstSerial ?? 0);
    options.deadUpTo?.forEach((serial, allocator) => (this.spawnedUpTo[allocator] = serial));
    this.router = options.router;
    this.placement = options.placement;
    this.registry = options.registry ?? new Registry();
    if (options.board !== undefined && !(options.board instanceof Float64Array && options.board.length >= BOARD_SLOTS)) {
      throw new InvalidOptionError('board', options.board, `a Float64Array of at least ${BOARD_SLOTS} entries`);
    }
    this.board = options.board;
    this.epochOffset = performance.timeOrigin;
    const onCrash = options.onCrash ?? defaultOnCrash;
    if (typeof onCrash !== 'function') throw new InvalidOptionError('onCrash', onCrash, 'a function');
    this.onCrash = onCrash;
    if (options.heapLimitBytes !== undefined) {
      this.heapWatch = new HeapWatch(positiveOption('heapLimitBytes', options.heapLimitBytes, 0, true));
    }
    if (options.mailboxLimit !== undefined) this.mailboxLimit = positiveOption('mailboxLimit', options.mailboxLimit, 0, true);
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
    this.routeMessage(this.resolve(dest), message);
  }

  /** Sends an exit signal from outside any process (`from` is `OUTSIDE`). */
  exit(pid: Pid, reason: ExitReasonInput): void {
    this.exitFrom(OUTSIDE, pid, reason);
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
    if (p === undefined || p.status >= EXITED) return this.loadingInfo(pid);
    return {
      pid,
      status: STATUS_NAMES[p.status as 0 | 1 | 2 | 3],
      reductions: p.reductions,
      mailboxLength: p.mailbox?.size ?? 0,
      links: p.links === null ? [] : [...p.links],
      monitors: p.monitors === null ? [] : [...p.monitors.values()],
      monitoredBy: p.monitoredBy === null ? [] : [...p.monitoredBy.values()],
      registeredName: this.registry.nameOf(pid),
      actor: p.actor.name,
      module: p.actor.module,
      trapExit: p.trapExit,
      cpuMs: p.cpu,
      startedAt: p.startedAt,
      waitingIn: p.status !== WAITING ? undefined : p.receive?.match === MATCH_NOTHING ? 'sleep' : 'receive',
      heapGrowthBytes: p.heapGrowth,
    };
  }

  /** A process whose spawn has arrived but whose module is still loading: it exists, it has not run yet. */
  private loadingInfo(pid: Pid): ProcessInfo | undefined {
    const spawn = this.loading.get(pid);
    if (spawn === undefined) return undefined;
    const held = this.unborn.get(pid) ?? [];
    return {
      pid,
      status: 'runnable',
      reductions: 0,
      mailboxLength: held.filter((e) => e.kind === 'message').length,
      links: spawn.link === null ? [] : [spawn.link],
      monitors: [],
      monitoredBy: held.flatMap((e) => (e.kind === 'monitor' ? [e.from] : [])),
      registeredName: this.registry.nameOf(pid),
      actor: spawn.name,
      module: spawn.module,
      trapExit: false,
      cpuMs: 0,
      startedAt: this.epochOffset + this.clock.now(),
      waitingIn: undefined,
      heapGrowthBytes: 0,
    };
  }

  /**
   * A mailbox for plain async code: its pid can be sent to, linked and
   * monitored like a process's, and `receive` returns a promise.
   */
  inbox<M = any>(): Inbox<M> {
    const inbox: Inbox<M> = new Inbox<M>({
      send: (pid, message) => this.routeMessage(pid, message),
      monitor: (pid): Ref => this.monitor(this.table.get(inbox.pid)!, pid),
      demonitor: (ref) => {
        const relay = this.table.get(inbox.pid);
        if (relay !== undefined) this.demonitor(relay, ref, true);
      },
      abandon: (ref) => {
        const relay = this.table.get(inbox.pid);
        if (relay !== undefined) this.abandon(relay, ref);
      },
    });
    inbox.attach(this.create(InboxRelay as Actor<readonly unknown[]>, [inbox], undefined, false, this.index, true));
    return inbox;
  }

  /** Pids of every live process. */
  processes(): Pid[] {
    // Those whose module is still loading exist already (see processInfo).
    return [...this.table.keys(), ...this.loading.keys()];
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
    if (ownerOf(pid) === this.index) return Promise.resolve('noproc');
    const inbox = this.inbox();
    const ref = this.monitor(this.table.get(inbox.pid)!, pid, true);
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
    const ref = makeRef();
    const timer = this.timers.add(this.clock.now() + delay, { kind: 'send', ref, dest, message });
    this.sendTimers.set(ref, timer);
    this.armWakeup();
    return ref;
  }

  /** Cancels a `sendAfter` timer; false if it already fired or was cancelled. */
  cancelTimer(ref: Ref): boolean {
    const timer = this.sendTimers.get(ref);
    if (timer === undefined) return false;
    timer.cancelled = true;
    this.sendTimers.delete(ref);
    return true;
  }

  get stats(): SchedulerStats {
    return {
      processes: this.table.size,
      runQueue: this.runQueue.length,
      reductions: this.totalReductions,
      timers: this.timers.size,
    };
  }

  /**
   * Manual drive only: fires due timers, then runs one slice of the next
   * runnable process. Returns false when nothing was runnable.
   */
  step(): boolean {
    if (!this.manual) throw new InvalidOptionError('drive', 'event-loop', "'manual' to call step()");
    this.lastClock = this.clock.now();
    this.fireTimers(this.lastClock);
    if (this.runQueue.length === 0) return false;
    this.runNext();
    return true;
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
    for (const p of [...this.table.values()]) {
      if (p.status === RUNNING) p.pendingExit ??= 'shutdown';
      else this.beginExit(p, 'shutdown');
    }
    this.timers.clear();
    this.sendTimers.clear();
    if (this.wakeup !== undefined) clearTimeout(this.wakeup);
    this.wakeup = undefined;
    this.runQueue.clear();
    this.unborn.clear();
    this.loading.clear();
  }

  // ─── Internal API used by the process functions ───────────────────────────

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
    if (!isActorRef(actor) || ('body' in actor && !isActor(actor))) {
      throw new InvalidActorError('spawn expects an actor made with actor(import.meta.url, name, function* () {...})');
    }
    // Arguments are checked wherever the child goes, so that spawning behaves the same on any placement.
    if (!trusted) assertCloneable(args, 'spawn arguments');
    const where = owner ?? (this.placement === undefined ? this.index : this.placement.place());
    if (where !== this.index && (this.router === undefined || !Number.isInteger(where) || where < 0 || where >= SCHEDULER_SLOTS)) {
      throw new InvalidOptionError('owner', where, 'the index of a scheduler of this runtime');
    }
    const pid = this.nextPid(where);
    const linkTo = link && parent !== undefined ? parent.pid : null;
    if (linkTo !== null) (parent!.links ??= new Set()).add(pid);
    const spawnedBy = parent?.pid ?? OUTSIDE;
    if (where === this.index && isActor(actor)) {
      this.createLocal(pid, actor, args, linkTo, spawnedBy);
      return pid;
    }
    const envelope: SpawnEnvelope = { kind: 'spawn', to: pid, module: actor.module, name: actor.name, args, link: linkTo, parent: spawnedBy };
    // Here but known by name only: created once its module is loaded, like a spawn from another thread.
    if (where === this.index) this.acceptSpawn(envelope);
    else this.router!.forward(where, envelope);
    return pid;
  }

  private nextPid(owner: number): Pid {
    const pid = this.pids.next(owner);
    if (this.board !== undefined) this.board[BOARD_LAST_SERIAL] = this.pids.lastSerial;
    return pid;
  }

  /** The last pid serial this scheduler handed out. */
  get lastSerial(): number {
    return this.pids.lastSerial;
  }

  /**
   * Scheduler `owner` is gone, with every process it had. Each pid made for
   * it by allocator `a` with a serial up to `deadUpTo[a]` is now dead: local
   * processes linked to one get an exit signal, those monitoring one a
   * `DOWN`, both with `reasonOf(pid)`. Spawns that scheduler sent here and
   * that never arrived (serials up to `deadUpTo[owner]`) are dead too.
   */
  lostScheduler(owner: number, deadUpTo: readonly number[], reasonOf: (pid: Pid) => ExitReason): void {
    const lost = (pid: Pid): boolean => ownerOf(pid) === owner && serialOf(pid) <= (deadUpTo[allocatorOf(pid)] ?? 0);
    for (const p of [...this.table.values()]) {
      if (p.monitoredBy !== null) for (const [ref, watcher] of p.monitoredBy) if (lost(watcher)) p.monitoredBy.delete(ref);
      if (p.monitors !== null) {
        for (const [ref, target] of p.monitors) {
          if (lost(target)) this.signal({ kind: 'down', to: p.pid, ref, pid: target, reason: reasonOf(target) });
        }
      }
      if (p.links !== null) {
        for (const other of [...p.links]) {
          if (lost(other)) this.signal({ kind: 'exit', to: p.pid, from: other, reason: reasonOf(other), link: true });
        }
      }
    }
    const orphanedUpTo = deadUpTo[owner] ?? 0;
    this.spawnedUpTo[owner] = Math.max(this.spawnedUpTo[owner]!, orphanedUpTo);
    for (const [pid, held] of [...this.unborn]) {
      if (allocatorOf(pid) !== owner || serialOf(pid) > orphanedUpTo) continue;
      this.unborn.delete(pid);
      for (const envelope of held) this.apply(envelope);
    }
  }

  private createLocal(
    pid: Pid,
    actor: Actor<readonly unknown[]>,
    args: readonly unknown[],
    linkTo: Pid | null,
    parent: Pid,
  ): Process {
    const p = new Process(pid, actor, this, parent, CLOCK_EVERY_INITIAL);
    p.startedAt = this.epochOffset + this.clock.now();
    p.generator = startBody(actor, args);
    this.table.set(pid, p);
    // Linked before it is queued: the child cannot end unlinked.
    if (linkTo !== null) (p.links ??= new Set()).add(linkTo);
    this.makeRunnable(p);
    return p;
  }

  /** @internal The pid `dest` names; throws for a bad pid or an unregistered name. */
  resolve(dest: Pid | string): Pid {
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

  /** @internal Sends a checked message from a process. */
  sendFrom(dest: Pid | string, message: unknown): void {
    assertCloneable(message, 'message');
    this.routeMessage(this.resolve(dest), message);
  }

  /** @internal */
  deliver(target: Process, message: unknown): void {
    if (target.status >= EXITING) return;
    if (target.abandoned !== null && isAbandoned(target.abandoned, message)) return;
    (target.mailbox ??= new Mailbox()).push(message);
    if (target.mailbox.size > this.mailboxLimit) {
      this.killForMemory(target, `${formatPid(target.pid)} (${target.actor.name}) had more than ${this.mailboxLimit} messages in its mailbox`);
      return;
    }
    if (target.status === WAITING && target.receive!.match !== MATCH_NOTHING) this.makeRunnable(target);
  }

  /** @internal */
  exitFrom(from: Pid, pid: Pid, reason: ExitReasonInput): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const normalized = toExitReason(reason);
    if (normalized === undefined) throw new InvalidExitReasonError(reason);
    this.route({ kind: 'exit', to: pid, from, reason: normalized, link: false });
  }

  /** @internal */
  link(p: Process, pid: Pid): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    if (pid === p.pid) return;
    (p.links ??= new Set()).add(pid);
    this.route({ kind: 'link', to: pid, from: p.pid });
  }

  /** @internal */
  unlink(p: Process, pid: Pid): void {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    if (p.links?.delete(pid)) this.route({ kind: 'unlink', to: pid, from: p.pid });
  }

  /** @internal */
  monitor(p: Process, pid: Pid, recent = false): Ref {
    if (!isPid(pid)) throw new InvalidPidError(pid);
    const ref = makeRef();
    (p.monitors ??= new Map()).set(ref, pid);
    this.route(recent ? { kind: 'monitor', to: pid, from: p.pid, ref, recent } : { kind: 'monitor', to: pid, from: p.pid, ref });
    return ref;
  }

  /**
   * @internal Drops a message carrying `ref` (as its `ref` property) that is
   * in `p`'s mailbox, and one that arrives later.
   */
  abandon(p: Process, ref: Ref): void {
    const abandoned = (p.abandoned ??= new Set());
    abandoned.add(ref);
    if (abandoned.size > ABANDONED_MAX) abandoned.delete(abandoned.values().next().value!);
    p.mailbox?.removeWhere((m) => isAbandoned(abandoned, m));
  }

  /** @internal */
  demonitor(p: Process, ref: Ref, flush: boolean): boolean {
    const target = p.monitors?.get(ref);
    if (target !== undefined) {
      p.monitors!.delete(ref);
      this.route({ kind: 'demonitor', to: target, from: p.pid, ref });
    }
    if (flush) p.mailbox?.removeWhere((m) => (m as DownMessage | null)?.type === 'DOWN' && (m as DownMessage).ref === ref);
    return target !== undefined;
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
    if (!local) this.route({ kind: 'named', to: pid });
  }

  /** @internal */
  unregisterName(name: string): void {
    this.registry.unregister(checkName(name));
  }

  // ─── Routing ──────────────────────────────────────────────────────────────

  /** Applies an envelope here if this scheduler owns its target, or forwards it to the owner. */
  private route(envelope: Envelope): void {
    const owner = ownerOf(envelope.to);
    if (owner !== this.index && this.router !== undefined) {
      this.router.forward(owner, envelope);
      return;
    }
    this.apply(envelope);
  }

  /** The message case of `route`, kept apart because it is the hot path. */
  private routeMessage(to: Pid, message: unknown): void {
    const owner = ownerOf(to);
    if (owner !== this.index && this.router !== undefined) this.router.forwardMessage(owner, to, message);
    else this.applyMessage(to, message);
  }

  /**
   * Takes a batch of envelopes that another scheduler sent here, in the
   * order they were sent. Plain code of the thread calls it when a batch arrives.
   */
  accept(batch: Batch): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      if (typeof item === 'number') {
        i += 1;
        this.applyMessage(item as Pid, batch[i]);
      } else if ((item as Envelope).kind === 'spawn') {
        this.acceptSpawn(item as SpawnEnvelope);
      } else {
        this.apply(item as Envelope);
      }
    }
  }

  private applyMessage(to: Pid, message: unknown): void {
    const target = this.table.get(to);
    if (target !== undefined) this.deliver(target, message);
    else this.apply({ kind: 'message', to, message });
  }

  private apply(envelope: Envelope): void {
    const to = envelope.to;
    if (!this.table.has(to)) {
      const waiting = this.unborn.get(to);
      if (waiting !== undefined) {
        waiting.push(envelope);
        return;
      }
      if (this.isUnborn(to)) {
        this.unborn.set(to, [envelope]);
        return;
      }
    }
    if (envelope.kind === 'message') {
      const target = this.table.get(to);
      if (target !== undefined) this.deliver(target, envelope.message);
    } else if (envelope.kind !== 'spawn') {
      this.signal(envelope);
    }
  }

  /** True for a pid another scheduler made for this one whose spawn has not arrived yet. */
  private isUnborn(pid: Pid): boolean {
    const allocator = allocatorOf(pid);
    return allocator !== this.index && ownerOf(pid) === this.index && serialOf(pid) > this.spawnedUpTo[allocator]!;
  }

  private acceptSpawn(spawn: SpawnEnvelope): void {
    const pid = spawn.to;
    const allocator = allocatorOf(pid);
    this.spawnedUpTo[allocator] = Math.max(this.spawnedUpTo[allocator]!, serialOf(pid));
    const early = this.unborn.get(pid) ?? [];
    this.unborn.delete(pid);
    const actor = findActor(spawn.module, spawn.name);
    if (actor !== undefined) {
      this.born(pid, actor, spawn, early);
      return;
    }
    // The module is not loaded in this thread yet: hold what arrives for the pid until it is.
    this.unborn.set(pid, early);
    this.loading.set(pid, spawn);
    loadActor(spawn.module, spawn.name).then(
      (loaded) => {
        const held = this.unborn.get(pid) ?? [];
        this.unborn.delete(pid);
        this.loading.delete(pid);
        if (!this.stopped) this.born(pid, loaded, spawn, held);
      },
      (error: unknown) => {
        const held = this.unborn.get(pid) ?? [];
        this.unborn.delete(pid);
        this.loading.delete(pid);
        this.stillborn(pid, spawn, held, errorReason(error));
      },
    );
  }

  private born(pid: Pid, actor: Actor<readonly unknown[]>, spawn: SpawnEnvelope, held: readonly Envelope[]): void {
    try {
      this.createLocal(pid, actor, spawn.args, spawn.link, spawn.parent);
    } catch (error) {
      this.stillborn(pid, spawn, held, errorReason(error));
      return;
    }
    for (const envelope of held) this.apply(envelope);
  }

  /** A process that could not be created dies at once, as far as anyone can tell. */
  private stillborn(pid: Pid, spawn: SpawnEnvelope, held: readonly Envelope[], reason: ExitReason): void {
    this.reportCrash(pid, spawn.name, spawn.module, reason);
    if (spawn.link !== null) this.route({ kind: 'exit', to: spawn.link, from: pid, reason, link: true });
    for (const envelope of held) {
      if (envelope.kind === 'monitor') this.route({ kind: 'down', to: envelope.from, ref: envelope.ref, pid, reason });
      else if (envelope.kind === 'link') this.route({ kind: 'exit', to: envelope.from, from: pid, reason, link: true });
    }
  }

  // ─── Running processes ────────────────────────────────────────────────────

  private makeRunnable(p: Process): void {
    p.status = RUNNABLE;
    this.runQueue.push(p);
    if (!this.inTurn && !this.turnScheduled && !this.manual && !this.stopped) {
      this.turnScheduled = true;
      setImmediate(this.turn);
    }
  }

  private readonly turn = (): void => {
    this.turnScheduled = false;
    if (this.stopped) return;
    this.inTurn = true;
    this.lastClock = this.clock.now();
    const turnEnd = this.lastClock + this.turnTimeLimit;
    const board = this.board;
    if (board !== undefined) board[BOARD_TURN_AT] = this.epochOffset + this.lastClock;
    try {
      this.fireTimers(this.lastClock);
      // Slices that measured themselves leave lastClock fresh; runs of cheap ones are checked every few.
      for (let slices = 1; this.runQueue.length > 0 && this.lastClock < turnEnd; slices++) {
        this.runNext();
        if (slices % TURN_CLOCK_EVERY_SLICES === 0) this.lastClock = this.clock.now();
      }
    } finally {
      this.inTurn = false;
      if (board !== undefined) this.publish(board);
    }
    if (this.runQueue.length > 0 && !this.stopped) {
      this.turnScheduled = true;
      setImmediate(this.turn);
    }
    this.armWakeup();
  };

  private runNext(): void {
    const p = this.runQueue.shift()!;
    if (p.status !== RUNNABLE) return;
    // A process not known to be cheap gets an exact start time, so its own steps are what is measured.
    const measured = p.clockEvery < CLOCK_EVERY_CHEAP;
    if (measured) this.lastClock = this.clock.now();
    const board = this.board;
    if (board !== undefined) {
      board[BOARD_SLICE_STARTED_AT] = this.epochOffset + this.lastClock;
      board[BOARD_RUNNING_PID] = p.pid;
      board[BOARD_RUNNING_ACTOR] = p.actor.id;
    }
    if (this.heapWatch === undefined) {
      this.runSlice(p, measured);
    } else {
      this.heapWatch.startSlice();
      this.runSlice(p, measured);
      if (this.heapWatch.endSlice(p)) this.reclaimHeap(this.heapWatch);
    }
    if (board !== undefined) {
      board[BOARD_RUNNING_PID] = 0;
      board[BOARD_RUNNING_ACTOR] = 0;
    }
  }

  /** The heap is over its limit: the process that grew it most goes, if one did. */
  private reclaimHeap(watch: HeapWatch): void {
    const culprit = watch.culprit(this.table.values());
    if (culprit === undefined) return;
    const mb = (bytes: number): string => `${Math.round(bytes / 1048576)} MB`;
    this.killForMemory(
      culprit,
      `${formatPid(culprit.pid)} (${culprit.actor.name}) grew the heap by ${mb(culprit.heapGrowth)}, past this thread's limit of ${mb(watch.limitBytes)}`,
    );
  }

  /** Ends `p` for using too much memory (untrappable), and reports it as a crash. */
  private killForMemory(p: Process, message: string): void {
    if (p.status >= EXITING) return;
    const reason = memoryLimitReason(message);
    p.heapGrowth = 0;
    this.endProcess(p, reason);
    this.onCrash({ pid: p.pid, actor: p.actor.name, module: p.actor.module, reason });
  }

  private publish(board: Float64Array): void {
    board[BOARD_RUN_QUEUE] = this.runQueue.length;
    board[BOARD_PROCESSES] = this.table.size;
    board[BOARD_LAST_SERIAL] = this.pids.lastSerial;
    board[BOARD_REDUCTIONS] = this.totalReductions;
  }

  /**
   * Runs `p` until it blocks, ends or uses up its slice. The clock is read
   * every `p.clockEvery` of its steps; a `measured` slice (one that started
   * with its own clock read) also reads it at the end, so that a process's
   * step cost is learnt even when its slices are a step or two long.
   */
  private runSlice(p: Process, measured: boolean): void {
    const previous = switchTo(p);
    p.status = RUNNING;
    const sliceStart = this.lastClock;
    const startReductions = p.reductions;
    try {
      if (p.receive !== null && !this.retryReceive(p)) return;
      const generator = p.generator!;
      const budgetEnd = p.reductions + this.reductionsPerSlice;
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
          this.beginExit(p, p.pendingExit ?? 'normal');
          return;
        }
        if (p.pendingExit !== null) {
          this.beginExit(p, p.pendingExit);
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
          const now = this.clock.now();
          this.learnStepCost(p, now - this.lastClock, p.reductions - (nextCheck - p.clockEvery));
          this.lastClock = now;
          nextCheck = p.reductions + p.clockEvery;
          if (now - sliceStart >= this.sliceTimeLimit) {
            p.resume = toThrow === undefined ? resume : new ThrowOnResume(toThrow);
            this.makeRunnable(p);
            return;
          }
        }
        if (p.reductions >= budgetEnd) {
          p.resume = toThrow === undefined ? resume : new ThrowOnResume(toThrow);
          this.makeRunnable(p);
          return;
        }
      }
    } finally {
      switchTo(previous);
      const steps = p.reductions - startReductions;
      if (measured && steps > 0) {
        const now = this.clock.now();
        p.attained += now - sliceStart;
        p.cpu += now - sliceStart;
        this.learnStepCost(p, now - sliceStart, steps);
        this.lastClock = now;
      } else {
        // A known-cheap process: charge what its steps cost at most, without reading the clock.
        const charge = (steps * this.sliceTimeLimit) / CLOCK_SLICE_FRACTION / p.clockEvery;
        p.attained += charge;
        p.cpu += charge;
      }
      if ((p.status as ProcessStatus) === WAITING) p.attained = 0;
    }
  }

  /**
   * Sets how many steps `p` runs between clock reads from what `steps` of
   * them cost: enough reads that no more than a fraction of a slice passes
   * unseen, and no more reads than that.
   */
  private learnStepCost(p: Process, elapsed: number, steps: number): void {
    const perStep = elapsed / Math.max(1, steps);
    const target = this.sliceTimeLimit / CLOCK_SLICE_FRACTION;
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
      this.fail(p, errorReason(thrown));
      return CRASHED;
    }
    pending.scanned = size;
    return NO_MATCH;
  }

  private block(p: Process): void {
    p.status = WAITING;
    const pending = p.receive!;
    if (pending.timeout !== Infinity) {
      pending.timer = this.timers.add(this.clock.now() + pending.timeout, { kind: 'receive', process: p, receive: pending });
      this.armWakeup();
    }
  }

  /** The generator threw: it has finished, so there is nothing to unwind. */
  private crashed(p: Process, thrown: unknown): void {
    p.generator = null;
    if (thrown instanceof ProcessExit) this.beginExit(p, p.pendingExit ?? thrown.reason);
    else this.fail(p, errorReason(thrown));
  }

  private fail(p: Process, error: ExitReason): void {
    const reason = p.pendingExit ?? error;
    if (p.pendingExit === null) this.reportCrash(p.pid, p.actor.name, p.actor.module, reason);
    this.beginExit(p, reason);
  }

  private reportCrash(pid: Pid, actor: string, module: string, reason: ExitReason): void {
    // The reporter is plain code: no process is calling.
    const previous = switchTo(null);
    try {
      this.onCrash({ pid, actor, module, reason });
    } catch {
      // A failing crash reporter must not take the scheduler down with it.
    } finally {
      switchTo(previous);
    }
  }

  // ─── Signals and exits ────────────────────────────────────────────────────

  /**
   * Applies a signal to its target, one of this scheduler's processes; a
   * dead or unknown target answers as the signal's contract says (see signal.ts).
   */
  private signal(s: Signal): void {
    const target = this.table.get(s.to);
    switch (s.kind) {
      case 'exit':
        if (target !== undefined) this.applyExit(target, s.from, s.reason, s.link);
        return;
      case 'link':
        if (target !== undefined && target.status < EXITING) (target.links ??= new Set()).add(s.from);
        else this.route({ kind: 'exit', to: s.from, from: s.to, reason: 'noproc', link: true });
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
        this.route({ kind: 'down', to: s.from, ref: s.ref, pid: s.to, reason });
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
        if (target === undefined || target.status >= EXITING) this.registry.releasePid(s.to);
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

  /** Ends `p`, or, if it is running right now, at its next yield. */
  private endProcess(p: Process, reason: ExitReason): void {
    if (p.status === RUNNING) p.pendingExit ??= reason;
    else this.beginExit(p, reason);
  }

  /**
   * Queues `p`'s exit. Exits are worked off one at a time in a loop rather
   * than recursively, so a chain of a million linked processes dies without
   * overflowing the stack.
   */
  private beginExit(p: Process, reason: ExitReason): void {
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
    const pid = p.pid;
    this.table.delete(pid);
    this.registry.releasePid(pid);
    endReceive(p);
    const generator = p.generator;
    p.generator = null;
    if (generator !== null) this.unwind(p, generator);
    p.mailbox = null;
    if (p.links !== null) {
      for (const other of p.links) this.route({ kind: 'exit', to: other, from: pid, reason, link: true });
      p.links = null;
    }
    if (p.monitors !== null) {
      for (const [ref, target] of p.monitors) this.route({ kind: 'demonitor', to: target, from: pid, ref });
      p.monitors = null;
    }
    if (p.monitoredBy !== null) {
      for (const [ref, watcher] of p.monitoredBy) this.route({ kind: 'down', to: watcher, ref, pid, reason });
      p.monitoredBy = null;
    }
    p.status = EXITED;
    if (this.router !== undefined) {
      this.recentExits.set(pid, reason);
      if (this.recentExits.size > RECENT_EXITS) this.recentExits.delete(this.recentExits.keys().next().value!);
    }
    if (p.exitWaiters !== null) {
      for (const resolve of p.exitWaiters) resolve(reason);
      p.exitWaiters = null;
    }
  }

  /**
   * Runs the `finally` blocks of a process ended while suspended, as that
   * process. What they throw is ignored; a `yield` in them ends the cleanup.
   */
  private unwind(p: Process, generator: Generator<unknown, unknown, unknown>): void {
    const previous = switchTo(p);
    try {
      generator.return(undefined);
    } catch {
      // The process is already ending; an error in its cleanup changes nothing.
    } finally {
      switchTo(previous);
    }
  }

  // ─── Timers ───────────────────────────────────────────────────────────────

  private fireTimers(now: number): void {
    for (let timer = this.timers.popDue(now); timer !== undefined; timer = this.timers.popDue(now)) {
      const payload = timer.payload;
      if (payload.kind === 'receive') {
        const p = payload.process;
        if (p.receive === payload.receive) {
          payload.receive.timedOut = true;
          payload.receive.timer = null;
          if (p.status === WAITING) this.makeRunnable(p);
        }
      } else {
        this.sendTimers.delete(payload.ref);
        const dest = typeof payload.dest === 'string' ? this.registry.whereis(payload.dest) : payload.dest;
        if (dest !== undefined) this.routeMessage(dest, payload.message);
      }
    }
  }

  /** Makes sure a Node timer wakes the scheduler for its earliest deadline. */
  private armWakeup(): void {
    if (this.manual || this.stopped) return;
    const next = this.timers.nextDeadline();
    if (next === undefined || next >= this.wakeupAt) return;
    if (this.wakeup !== undefined) clearTimeout(this.wakeup);
    this.wakeupAt = next;
    this.wakeup = setTimeout(this.onWakeup, Math.max(0, next - this.clock.now()));
  }

  private readonly onWakeup = (): void => {
    this.wakeup = undefined;
    this.wakeupAt = Infinity;
    if (this.turnScheduled || this.inTurn) return;
    this.turn();
  };

  private assertRunning(): void {
    if (this.stopped) throw new StoppedError();
  }
}

const CRASHED: unique symbol = Symbol('strand.crashed');

/**
 * Abandoned refs a process remembers at most; the oldest is forgotten first.
 * A reply that has not come after this many later give-ups is not coming.
 */
const ABANDONED_MAX = 1024;

function isAbandoned(abandoned: Set<Ref>, message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const ref = (message as { ref?: unknown }).ref;
  if (typeof ref !== 'string' || !abandoned.has(ref as Ref)) return false;
  abandoned.delete(ref as Ref);
  return true;
}

/** Carries an error to throw into a process when it resumes, across a preemption. */
class ThrowOnResume {
  constructor(readonly error: InvalidEffectError) {}
}

/**
 * Calls the body. Parameter defaults and destructuring run here, before the
 * first step; if they throw, the child crashes on its first step, as in
 * Erlang, instead of the parent at spawn.
 */
function startBody(actor: Actor<readonly unknown[]>, args: readonly unknown[]): Generator<unknown, unknown, unknown> {
  try {
    return actor.body.apply(SELF, args as unknown[]);
  } catch (error) {
    return (function* failAtFirstStep(): Generator<unknown, unknown, unknown> {
      throw error;
    })();
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidNameError(name);
  return name;
}

function positiveOption(name: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new InvalidOptionError(name, value, integer ? 'a positive integer' : 'a positive number');
  }
  return value;
}
