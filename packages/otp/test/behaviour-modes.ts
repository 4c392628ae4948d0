/**
 * The two runtimes every behaviour suite (server-*, supervisor-*) runs on:
 * one `Scheduler` on the test's thread, and a `Strand` runtime with two
 * worker schedulers (processes spread over threads, plain code on the main
 * thread). Suites `describe.each(MODES)` and stop the node in `afterEach`.
 *
 * Both are the BUILT packages (dist/): rebuild with `npx tsc -b` after
 * changing packages/*\/src.
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
  TIMEOUT,
} from '@strand/core';
import { Strand } from '@strand/pool';
import type { CallHost } from '@strand/otp';

/** What the suites do with a runtime, whatever its number of threads. */
export interface Node extends CallHost {
  readonly mode: string;
  /** Crash reports (processes that ended by throwing), in the order reported. */
  readonly crashes: CrashReport[];
  spawn<A extends readonly unknown[]>(actor: Actor<A>, ...args: A): Pid;
  send(dest: Pid | string, message: unknown): void;
  exit(pid: Pid, reason: ExitReasonInput): void;
  whereis(name: string): Pid | undefined;
  register(name: string, pid: Pid): void;
  inbox(): Inbox;
  awaitExit(pid: Pid): Promise<ExitReason>;
  processInfo(pid: Pid): Promise<ProcessInfo | undefined>;
  stop(): Promise<void>;
}

export interface Mode {
  readonly name: string;
  start(): Promise<Node>;
}

const preload = [new URL('../../pool/test/fixtures/register-tsx.mjs', import.meta.url).href];

export const MODES: readonly Mode[] = [
  {
    name: 'in-thread',
    async start() {
      const crashes: CrashReport[] = [];
      const s = new Scheduler({ onCrash: (r) => crashes.push(r) });
      return {
        mode: 'in-thread',
        crashes,
        spawn: (actor, ...args) => s.spawn(actor, ...args),
        send: (dest, message) => s.send(dest, message),
        exit: (pid, reason) => s.exit(pid, reason),
        whereis: (name) => s.whereis(name),
        register: (name, pid) => s.register(name, pid),
        inbox: () => s.inbox(),
        awaitExit: (pid) => s.awaitExit(pid),
        processInfo: async (pid) => s.processInfo(pid),
        stop: () => s.stop(),
      };
    },
  },
  {
    name: 'threads',
    async start() {
      const crashes: CrashReport[] = [];
      const rt = await Strand.start({ schedulers: 2, preload, onCrash: (r) => crashes.push(r) });
      return {
        mode: 'threads',
        crashes,
        spawn: (actor, ...args) => rt.spawn(actor, ...args),
        send: (dest, message) => rt.send(dest, message),
        exit: (pid, reason) => rt.exit(pid, reason),
        whereis: (name) => rt.whereis(name),
        register: (name, pid) => rt.register(name, pid),
        inbox: () => rt.inbox(),
        awaitExit: (pid) => rt.awaitExit(pid),
        processInfo: (pid) => rt.processInfo(pid),
        stop: () => rt.stop(),
      };
    },
  },
];

/** Receives the next message `match` accepts; fails the test (rather than hanging) after `ms`. */
export async function expectMessage<T = unknown>(inbox: Inbox, match?: (m: unknown) => boolean, ms = 10_000): Promise<T> {
  const m = await inbox.receive(match, ms);
  if (m === TIMEOUT) throw new Error(`no matching message within ${ms} ms`);
  return m as T;
}

/** A matcher for objects that have every property of `pattern` (compared with ===, one level). */
export function has(pattern: Record<string, unknown>): (m: unknown) => boolean {
  return (m) =>
    typeof m === 'object' && m !== null && Object.entries(pattern).every(([k, v]) => (m as Record<string, unknown>)[k] === v);
}

/** Casts from plain code (what `cast` sends). */
export function castFrom(node: Node, dest: Pid | string, request: unknown): void {
  node.send(dest, { type: '$cast', request });
}

