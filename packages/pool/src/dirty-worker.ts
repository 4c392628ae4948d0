/**
 * Runs one dirty task on a Piscina thread (set up by dirty-thread.ts): loads
 * the task's module and calls its function.
 */
import { importModule } from '@strand/core/runtime';
import { findDirtyTask } from './dirty.js';

export async function runTask(task: { readonly module: string; readonly name: string; readonly args: readonly unknown[] }): Promise<unknown> {
  // A one-file program's top level stops at Strand.start() here too: take what dirtyTask() defined by then.
  const exports = findDirtyTask(task.module, task.name) === undefined ? await importModule(task.module) : undefined;
  const fn = findDirtyTask(task.module, task.name) ?? exports?.[task.name];
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${task.module} defines no dirty task ${JSON.stringify(task.name)}: export the function under that name, or pass it to dirtyTask() before \`await Strand.start()\``,
    );
  }
  return (fn as (...args: readonly unknown[]) => unknown)(...task.args);
}
