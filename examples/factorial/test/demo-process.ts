// The demo server in its own OS process, as `npm start` runs it, for the
// tests of the live page, its peers and the runaway: started with free
// ports, read until it has said what the test waits for, stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';

export interface DemoProcess {
  readonly child: ChildProcess;
  /** The demo's own address, `http://127.0.0.1:PORT`. */
  readonly base: string;
  /** Everything it has printed so far. */
  output(): string;
  /** Everything it has printed on stderr so far (passed on to the test's stderr as well). */
  errors(): string;
  /** SIGTERM; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** A demo not ready after this long (ms) is killed and the start fails with its output: an outcome bound on a loaded machine, under the tests' 180 s hooks. */
const READY_WITHIN_MS = 150_000;

/**
 * Starts `src/main.ts` with `args` (and `env` over the defaults); resolves
 * once its output satisfies `ready` (by default: it listens). Rejects, with
 * what it printed, if it exits first or is not ready within READY_WITHIN_MS
 * (then it is killed).
 */
export function startDemo(
  args: readonly string[] = [],
  ready: (output: string) => boolean = (o) => LISTENING.test(o),
  env: Readonly<Record<string, string>> = {},
): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, PORT: '0', OBSERVER_PORT: '0', SCHEDULERS: '2', THREAD_HEAP_MB: '256', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += String(chunk);
    process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the demo was not ready within ${READY_WITHIN_MS} ms: ${out}`));
    }, READY_WITHIN_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      if (!ready(out)) return;
      clearTimeout(bound);
      resolve({
        child,
        base: LISTENING.exec(out)![1]!,
        output: () => out,
        errors: () => err,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`the demo exited (${code}) before it was ready: ${out}`)));
  });
}

const LISTENING = /^factorial demo on (http:\/\/127\.0\.0\.1:\d+)\//m;
