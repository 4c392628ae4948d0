/**
 * Dirty work: BEAM's dirty schedulers. Code that cannot yield (a synchronous
 * library call, a big JSON.parse) runs on a Piscina thread pool instead of a
 * scheduler, so it never holds one up.
 *
 * ```ts
 * // hash.ts
 * export function sha256(text: string): string { ... }          // plain, synchronous
 * export const Sha256 = dirtyTask(import.meta.url, 'sha256', sha256);
 *
 * // in a process
 * const digest = yield* dirty(Sha256, text);
 * ```
 *
 * The calling process waits in `receive` (it costs its scheduler nothing)
 * for the reply of the runtime's dirty service, a process on the main thread
 * registered as `DIRTY_SERVICE`. If the process is killed while it waits,
 * its `finally` cancels the task and Piscina aborts it, terminating the pool
 * thread that ran it. A task that throws makes `dirty` throw a
 * `DirtyTaskError` with the task's error name, message and stack.
 */
import { type Effect, type Pid, type Ref, StrandError, makeRef, receive, self, send } from '@strand/core';

/** The name the runtime's dirty service is registered under. */
export const DIRTY_SERVICE = 'strand.dirty';

/** A function exported by a module, to run on a dirty thread. */
export interface DirtyTask<A extends readonly unknown[], R> {
  readonly module: string;
  readonly name: string;
  /** Carries the function's type; never set. */
  readonly signature?: (...args: A) => R;
}

/** Dirty task functions defined in this thread, by `module#name`. */
const definedTasks = new Map<string, (...args: never[]) => unknown>();

/**
 * Names a function of `module` (its `import.meta.url`) as a dirty task.
 * Pass the function itself (defined at the module's top level, before
 * `await Strand.start()`), or leave it out and export it as `name`.
 * Arguments and result must be structured-cloneable.
 */
export function dirtyTask<F extends (...args: never[]) => unknown>(
  module: string,
  name: string,
  fn?: F,
): DirtyTask<Parameters<F>, Awaited<ReturnType<F>>> {
  if (typeof module !== 'string' || module.length === 0 || typeof name !== 'string' || name.length === 0) {
    throw new StrandError('ERR_STRAND_INVALID_OPTION', 'dirtyTask(module, name, fn?): give the module URL (import.meta.url) and a name');
  }
  if (fn !== undefined) {
    if (typeof fn !== 'function') throw new StrandError('ERR_STRAND_INVALID_OPTION', `dirtyTask ${JSON.stringify(name)}: fn must be a function`);
    definedTasks.set(`${module}#${name}`, fn);
  }
  return Object.freeze({ module, name });
}

/** The function of dirty task `name` of `module` defined in this thread, if `dirtyTask` was given one. */
export function findDirtyTask(module: string, name: string): ((...args: never[]) => unknown) | undefined {
  return definedTasks.get(`${module}#${name}`);
}

/** A dirty task threw; `name`, `message` and `stack` are the task's. */
export class DirtyTaskError extends Error {
  constructor(info: { readonly name: string; readonly message: string; readonly stack?: string }) {
    super(info.message);
    this.name = `DirtyTaskError(${info.name})`;
    if (info.stack !== undefined) this.stack = info.stack;
  }
}

/** What a process sends the dirty service. */
export type DirtyRequest =
  | {
      readonly type: 'dirty';
      readonly ref: Ref;
      readonly from: Pid;
      readonly module: string;
      readonly name: string;
      readonly args: readonly unknown[];
    }
  | { readonly type: 'dirty-cancel'; readonly ref: Ref };

/** What the dirty service answers. */
export type DirtyReply =
  | { readonly type: 'dirty-reply'; readonly ref: Ref; readonly ok: true; readonly value: unknown }
  | { readonly type: 'dirty-reply'; readonly ref: Ref; readonly ok: false; readonly error: { name: string; message: string; stack?: string } };

/** Runs `task(...args)` on a dirty thread and returns its result; run it with `yield*`. */
export function dirty<A extends readonly unknown[], R>(task: DirtyTask<A, R>, ...args: A): Effect<R> {
  return runDirty(task, args) as unknown as Effect<R>;
}

function* runDirty(task: { readonly module: string; readonly name: string }, args: readonly unknown[]): Generator<unknown, unknown, unknown> {
  const ref = makeRef();
  const request: DirtyRequest = { type: 'dirty', ref, from: self(), module: task.module, name: task.name, args };
  send(DIRTY_SERVICE, request);
  let answered = false;
  try {
    const reply = (yield* receive({ type: 'dirty-reply', ref })) as DirtyReply;
    answered = true;
    if (reply.ok) return reply.value;
    throw new DirtyTaskError(reply.error);
  } finally {
    if (!answered) send(DIRTY_SERVICE, { type: 'dirty-cancel', ref } satisfies DirtyRequest);
  }
}
