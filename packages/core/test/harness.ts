/**
 * The node a behaviour test runs against.
 *
 * Core's suites are written against `TestNode`, what plain code can do with a
 * runtime whatever its number of threads. Here, in core's own run, a node is
 * one `Scheduler` on the test's thread (event-loop drive). @strand/pool's run
 * replaces this module (a `resolve.alias` in packages/pool/vitest.config.ts)
 * with packages/pool/test/threaded-harness.ts, whose nodes are a `Strand`
 * runtime with 2 worker schedulers: the same tests, the same expectations,
 * with processes spread over threads.
 *
 * Rules for a suite that uses it (so that it runs in both modes):
 * - import the runtime as '@strand/core', never from '../src';
 * - spawn actors defined at the top level of a fixture module, with
 *   cloneable arguments (fixtures must not import vitest);
 * - do not rely on what only one thread gives: that exits or monitors of a
 *   dead pid take effect synchronously, or that messages from different
 *   senders arrive in the order they were sent. Suites that need it (manual
 *   drive, exact reductions, `scheduler.stats`) are `*.single.test.ts`, which
 *   run against a `Scheduler` only.
 */
import {
  type Actor,
  type CrashReport,
  type ExitReason,
  type ExitReasonInput,
  type Inbox,
  type Pid,
  type ProcessInfo,
  Scheduler,
} from '@strand/core';

export interface NodeOptions {
  /** Told of every process that ends by throwing; default: a line on stderr. */
  readonly onCrash?: (report: CrashReport) => void;
  /** Default `REDUCTIONS_PER_SLICE`. */
  readonly reductionsPerSlice?: number;
}

/** What plain code does with a runtime, on one thread or many. */
export interface TestNode {
  /** Schedulers that run processes: 1 here, N in the threaded run. */
  readonly threads: number;
  spawn<A extends readonly unknown[]>(actor: Actor<A>, ...args: A): Pid;
  send(dest: Pid | string, message: unknown): void;
  exit(pid: Pid, reason: ExitReasonInput): void;
  register(name: string, pid: Pid): void;
  unregister(name: string): void;
  whereis(name: string): Pid | undefined;
  inbox(): Inbox;
  awaitExit(pid: Pid): Promise<ExitReason>;
  /** Asynchronous: in a threaded runtime the process's own scheduler answers. */
  processInfo(pid: Pid): Promise<ProcessInfo | undefined>;
  trace(pid: Pid, options: { readonly tracer: Pid; readonly limit?: number }): void;
  stop(): Promise<void>;
}

/** Starts a node: here, a `Scheduler` on this thread. */
export async function startNode(options: NodeOptions = {}): Promise<TestNode> {
  const scheduler = new Scheduler({
    ...(options.onCrash === undefined ? {} : { onCrash: options.onCrash }),
    ...(options.reductionsPerSlice === undefined ? {} : { reductionsPerSlice: options.reductionsPerSlice }),
  });
  return {
    threads: 1,
    spawn: (actor, ...args) => scheduler.spawn(actor, ...args),
    send: (dest, message) => scheduler.send(dest, message),
    exit: (pid, reason) => scheduler.exit(pid, reason),
    register: (name, pid) => scheduler.register(name, pid),
    unregister: (name) => scheduler.unregister(name),
    whereis: (name) => scheduler.whereis(name),
    inbox: () => scheduler.inbox(),
    awaitExit: (pid) => scheduler.awaitExit(pid),
    processInfo: async (pid) => scheduler.processInfo(pid),
    trace: (pid, options) => scheduler.trace(pid, options),
    stop: () => scheduler.stop(),
  };
}

/**
 * Reads `read()` until `done` holds (at most `tries` times) and returns the last value. For what a
 * third party sees of a signal between two other processes: across threads it is there once the
 * signal has arrived, not at once (signals are ordered per pair of processes only).
 */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 200): Promise<T> {
  let value = await read();
  for (let i = 1; i < tries && !done(value); i++) value = await read();
  return value;
}
