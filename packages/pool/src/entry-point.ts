/**
 * The program's entry point, and the threads where it must not run.
 *
 * A scheduler thread (or a dirty thread) imports an actor's module to find
 * the actor. When that module is also the program — one file that defines
 * its actors and then calls `await Strand.start()` — its top level runs in
 * the thread too. The rule that makes this safe: **a module's top level
 * stops at `Strand.start()` in every thread but the main one.** There
 * `Strand.start()` returns a promise that never settles, so nothing after
 * it runs twice (no second runtime, no second server), and the thread takes
 * the actors the module defined before it.
 *
 * Code before `await Strand.start()` runs in each thread that loads the
 * module: keep it to imports and definitions.
 */
import { isMainThread } from 'node:worker_threads';
import { haltedAtEntryPoint } from '@strand/core/runtime';

/** What a thread that runs Strand code is for; absent on the main thread. */
export type RuntimeThreadKind = 'scheduler' | 'dirty';

// A global symbol, not module state: a program that ends up with two copies
// of this package (two install paths) must still see one answer per thread.
const THREAD_KIND = Symbol.for('@strand/pool.thread-kind');

/** Marks this thread as one of the runtime's, before it imports any program module. */
export function enterRuntimeThread(kind: RuntimeThreadKind): void {
  (globalThis as Record<symbol, unknown>)[THREAD_KIND] = kind;
}

/** The runtime thread this is, or undefined on the main thread and in threads the program started itself. */
export function runtimeThreadKind(): RuntimeThreadKind | undefined {
  if (isMainThread) return undefined;
  const kind = (globalThis as Record<symbol, unknown>)[THREAD_KIND];
  return kind === 'scheduler' || kind === 'dirty' ? kind : undefined;
}

/** In a runtime thread: the module's top level stops here for good; its actors defined so far are taken. */
export function haltAtEntryPoint(): Promise<never> {
  // Once the module's synchronous run is over: a program that calls Strand.start() without
  // awaiting it goes on defining actors until its next await.
  setImmediate(haltedAtEntryPoint);
  return new Promise<never>(() => {});
}
