/**
 * Runs one dirty task on a Piscina thread: loads the task's module (after
 * the runtime's preloads, such as a TypeScript loader) and calls its export.
 */
const loaded = new Set<string>();

export default async function runTask(task: {
  readonly module: string;
  readonly name: string;
  readonly args: readonly unknown[];
  readonly preload: readonly string[];
}): Promise<unknown> {
  for (const module of task.preload) {
    if (loaded.has(module)) continue;
    await import(module);
    loaded.add(module);
  }
  const exports = (await import(task.module)) as Record<string, unknown>;
  const fn = exports[task.name];
  if (typeof fn !== 'function') throw new TypeError(`${task.module} does not export a function named ${JSON.stringify(task.name)}`);
  return fn(...task.args);
}
