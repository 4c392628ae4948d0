/**
 * Shared by the pool benchmarks: starting a Strand runtime whose threads load
 * TypeScript actors, plain worker threads running TypeScript for the raw
 * baselines, and the CPU profiling switch.
 */
import { type TransferListItem, Worker } from 'node:worker_threads';
import { type Runtime, Strand, type StrandOptions } from '@strand/pool';

/** Loader each thread imports first, so TypeScript actor modules load there. */
export const PRELOAD = new URL('./register-tsx.mjs', import.meta.url).href;

/**
 * Set by the runner (`--cpu-prof=DIR`): every thread of every runtime and raw
 * worker writes a V8 CPU profile into DIR when it ends.
 */
const profileDir = process.env.STRAND_POOL_CPU_PROF;
const profileArgs = (): string[] =>
  profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];

/** A runtime with `schedulers` worker schedulers, TypeScript actors enabled. */
export function startStrand(schedulers: number, options: StrandOptions = {}): Promise<Runtime> {
  return Strand.start({
    schedulers,
    preload: [PRELOAD],
    execArgv: [...process.execArgv, ...profileArgs()],
    // A benchmark never stalls on purpose; a slow machine must not make the watchdog replace a thread.
    stallTimeoutMs: 60_000,
    stallPolicy: 'report',
    ...options,
  });
}

/**
 * A plain worker thread that runs `entry(data)` exported by the TypeScript
 * module at `module` (through src/pool/ts-worker.mjs, which registers tsx first).
 */
export function tsWorker(module: string, entry: string, data: unknown, transferList: readonly TransferListItem[] = []): Worker {
  return new Worker(new URL('./ts-worker.mjs', import.meta.url), {
    workerData: { module, entry, data },
    transferList: [...transferList],
    execArgv: [...process.execArgv, ...profileArgs()],
  });
}

/** Resolves with the next `message` event of a worker (rejects on `error`). */
export function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      worker.off('error', onError);
      resolve(message);
    };
    const onError = (error: Error): void => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

/** Milliseconds on a monotonic clock. */
export const now = (): number => performance.now();

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
