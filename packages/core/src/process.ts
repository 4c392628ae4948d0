/**
 * The scheduler's record of one process, and what a process may ask of its
 * scheduler (`ProcessHost`). Internal: user code sees only pids.
 *
 * Fields are declared up front and optional parts (mailbox, links, monitors)
 * start as null, so an idle process costs a few hundred bytes.
 *
 * This module names its scheduler only by the `ProcessHost` interface, so
 * that the process API can reach the scheduler without importing it.
 */
import type { Actor, ActorRef } from './actor.js';
import type { ExitReason, ExitReasonInput } from './exit-reason.js';
import type { Mailbox } from './mailbox.js';
import type { Predicate } from './pattern.js';
import type { Pid } from './pid.js';
import type { ProcessInfo } from './process-info.js';
import type { Ref } from './ref.js';
import type { Timer } from './timer-queue.js';
import type { TraceState } from './trace.js';
import { NOT_IN_HEAP } from './least-attained-queue.js';

/** In the run queue, waiting for its turn. */
export const RUNNABLE = 0;
/** Its generator is executing now. */
export const RUNNING = 1;
/** Blocked in `receive` (or `sleep`) until a message or its timeout. */
export const WAITING = 2;
/** Ending: its links and monitors are being told. */
export const EXITING = 3;
/** Gone. */
export const EXITED = 4;

export type ProcessStatus = typeof RUNNABLE | typeof RUNNING | typeof WAITING | typeof EXITING | typeof EXITED;

/** A receive in progress (receive.ts's `PendingReceive`), as the scheduler sees it. */
export interface ReceiveState {
  /** Undefined: any message. */
  readonly match: Predicate | undefined;
  /** In ms; Infinity waits forever. */
  readonly timeout: number;
  /** Messages already looked at and left in the mailbox. */
  scanned: number;
  /** The timeout fired; the receive returns TIMEOUT unless a message matches first. */
  timedOut: boolean;
  timer: Timer<TimerPayload> | null;
}

export type TimerPayload =
  | { readonly kind: 'receive'; readonly process: Process; readonly receive: ReceiveState }
  | { readonly kind: 'send'; readonly ref: Ref; readonly dest: Pid | string; readonly message: unknown };

/** What the process API (process-api.ts) asks of the scheduler a process runs on. */
export interface ProcessHost {
  create(actor: Actor<readonly unknown[]> | ActorRef, args: readonly unknown[], parent?: Process, link?: boolean): Pid;
  sendFrom(p: Process, dest: Pid | string, message: unknown): void;
  exitFrom(from: Pid, pid: Pid, reason: ExitReasonInput): void;
  link(p: Process, pid: Pid): void;
  unlink(p: Process, pid: Pid): void;
  monitor(p: Process, pid: Pid): Ref;
  demonitor(p: Process, ref: Ref, flush: boolean): boolean;
  abandon(p: Process, ref: Ref): void;
  registerName(name: string, pid: Pid): void;
  unregisterName(name: string): void;
  whereis(name: string): Pid | undefined;
  processInfo(pid: Pid): ProcessInfo | undefined;
  sendAfter(ms: number, dest: Pid | string, message: unknown): Ref;
  cancelTimer(ref: Ref): boolean;
}

export class Process {
  status: ProcessStatus = RUNNABLE;
  /** Reductions used since spawn: one per resume, plus what helpers charge. */
  reductions = 0;
  mailbox: Mailbox | null = null;

  /** The receive the process is in, if any: what it waits for and since when. */
  receive: ReceiveState | null = null;

  /** The value the next `generator.next()` passes in. */
  resume: unknown = undefined;
  /** An exit signal that arrived while the process was running, applied at its next yield. */
  pendingExit: ExitReason | null = null;
  /** How many steps to run between clock reads, adapted to the cost of its steps. */
  clockEvery: number;
  /**
   * CPU time (ms) used since it last blocked in receive: what the least-attained policy orders by.
   * Starts as -0, a double, so that V8 stores the field as one from the start: turning a field
   * that held small integers into a double re-shapes every process object (3× slower spawns).
   */
  attained = -0;
  /** Moves on each time it enters the least-attained heap; older entries of it are stale. */
  queueToken = 0;
  /** When it entered the least-attained heap since it last blocked (`NOT_IN_HEAP`: not yet). A double from the start (see `attained`). */
  heapSince = NOT_IN_HEAP;
  /** CPU time (ms) used since spawn, as `attained` counts it, never reset. A double from the start (see `attained`). */
  cpu = -0;
  /** When it was spawned (the scheduler's last clock reading, ms since the epoch). */
  startedAt = -0;
  /** Heap growth (bytes) over its slices, when the scheduler watches the heap (heap-watch.ts). */
  heapGrowth = -0;

  trapExit = false;
  links: Set<Pid> | null = null;
  /** Monitors this process holds: ref → monitored pid. */
  monitors: Map<Ref, Pid> | null = null;
  /** Monitors on this process: ref → watching pid. */
  monitoredBy: Map<Ref, Pid> | null = null;
  exitWaiters: ((reason: ExitReason) => void)[] | null = null;
  /** Refs whose replies the process gave up on: a message carrying one as `ref` is dropped (see `abandon`). */
  abandoned: Set<Ref> | null = null;
  /** Set while the process is traced (trace.ts). */
  trace: TraceState | null = null;

  generator: Generator<unknown, unknown, unknown> | null = null;

  constructor(
    readonly pid: Pid,
    readonly actor: Actor<readonly unknown[]>,
    readonly scheduler: ProcessHost,
    /** The process that spawned it; `OUTSIDE` (0) for plain code. */
    readonly parent: Pid,
    clockEvery: number,
  ) {
    this.clockEvery = clockEvery;
  }
}
