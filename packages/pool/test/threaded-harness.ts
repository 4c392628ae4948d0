/**
 * Core's behaviour suites, run against Strand on threads.
 *
 * packages/pool/vitest.config.ts runs core's `test/*.test.ts` a second time
 * with this module in place of packages/core/test/harness.ts: the same
 * tests, the same expectations, but each node is a `Strand` runtime with
 * 2 worker schedulers. Processes are placed on either worker, and plain
 * code (the test, its inboxes) is on the main thread, so messages, links,
 * monitors, exits and names cross threads.
 *
 * The runtime is the BUILT package (dist/): scheduler threads load compiled
 * JavaScript, and the fixtures they import resolve '@strand/core' to the
 * same dist module as their scheduler. Build first: `npx tsc -b`.
 */
import type { NodeOptions, TestNode } from '../../core/test/harness.js';
import { Strand } from '@strand/pool';

export { until } from '../../core/test/harness.js';

/** Worker schedulers per node: more than one, so that processes spread over threads. */
export const THREADS = 2;

/** Registers a TypeScript loader in each scheduler thread, so that core's .ts fixtures load there. */
const preload = [new URL('./fixtures/register-tsx.mjs', import.meta.url).href];

export type { NodeOptions, TestNode };

/** Starts a node: here, a runtime with `THREADS` worker schedulers. */
export async function startNode(options: NodeOptions = {}): Promise<TestNode> {
  const runtime = await Strand.start({
    schedulers: THREADS,
    preload,
    ...(options.onCrash === undefined ? {} : { onCrash: options.onCrash }),
    ...(options.reductionsPerSlice === undefined ? {} : { reductionsPerSlice: options.reductionsPerSlice }),
  });
  return {
    threads: runtime.schedulers,
    spawn: (actor, ...args) => runtime.spawn(actor, ...args),
    send: (dest, message) => runtime.send(dest, message),
    exit: (pid, reason) => runtime.exit(pid, reason),
    register: (name, pid) => runtime.register(name, pid),
    unregister: (name) => runtime.unregister(name),
    whereis: (name) => runtime.whereis(name),
    inbox: () => runtime.inbox(),
    awaitExit: (pid) => runtime.awaitExit(pid),
    processInfo: (pid) => runtime.processInfo(pid),
    trace: (pid, options) => runtime.trace(pid, options),
    stop: () => runtime.stop(),
  };
}
