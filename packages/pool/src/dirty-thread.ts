/**
 * The entry module of a dirty (Piscina) thread. It marks the thread as the
 * runtime's and registers the main thread's TypeScript loader and the
 * `preload` modules before it loads anything of Strand's: a module loaded
 * before a loader is registered may be loaded again after it, as a second
 * copy, and the task's module must share Strand's modules with this thread.
 * Only then does it load the task runner (dirty-worker.ts).
 */
import { workerData } from 'piscina';
import { enterRuntimeThread } from './entry-point.js';
import { registerLoaders } from './inherited-loader.js';

/** What the dirty service gives each of its threads. */
export interface DirtyThreadInit {
  readonly loaders: readonly string[];
  readonly preload: readonly string[];
}

enterRuntimeThread('dirty');
const init = workerData as DirtyThreadInit;
await registerLoaders(init.loaders);
for (const module of init.preload) await import(module);
const { runTask } = await import('./dirty-worker.js');

export default runTask;
