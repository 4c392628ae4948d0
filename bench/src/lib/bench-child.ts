/**
 * Runs one benchmark module in a fresh Node process, so that heaps, JIT
 * state and threads do not leak from one benchmark into the next, and reads
 * back the figures it printed after RESULT_PREFIX (src/child.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Metric, RESULT_PREFIX } from './metric.js';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildOptions {
  /** Node flags before `--import tsx`, e.g. `--expose-gc`. */
  readonly nodeArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/** `node [nodeArgs] --import tsx <script> <name> <json params>` from bench/; throws with its output unless it printed its figures. */
export function runBenchChild(script: string, name: string, params: Record<string, unknown>, options: ChildOptions): Metric[] {
  const args = [...(options.nodeArgs ?? []), '--import', 'tsx', script, name, JSON.stringify(params)];
  const result = spawnSync(process.execPath, args, {
    cwd: BENCH_DIR,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: options.timeoutMs,
    maxBuffer: 16 << 20,
  });
  if (result.error !== undefined) throw new Error(`${name}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${name} ${JSON.stringify(params)} exited with ${result.status ?? result.signal}\n${result.stdout}`);
  const line = result.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new Error(`${name} printed no result\n${result.stdout}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as Metric[];
}
