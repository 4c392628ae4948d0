/**
 * A node of the demo (src/main.ts) in its own OS process, as the launcher
 * and the tests start it: resolved once it listens, stopped by its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A node not listening after this long (ms) is killed and its start fails with its output: Node, tsx, its threads and joining NATS, on a loaded machine. */
const LISTENING_WITHIN_MS = 120_000;

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const LISTENING = /^node \S+ \(cluster node \d+\) on (http:\/\/127\.0\.0\.1:\d+)\//m;

export interface NodeStart {
  readonly name: string;
  readonly port: number;
  readonly natsUrl: string;
  /** Each line the node prints, as it prints it (stdout and stderr). */
  readonly onLine?: (line: string) => void;
  /** More environment (SCHEDULERS, say). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface NodeProcess {
  readonly name: string;
  readonly pid: number;
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
  /** Everything it has printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with its exit code once it has exited (null if a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM: a graceful leave) unless it has exited; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startNode(start: NodeStart): Promise<NodeProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, ...start.env, NODE_NAME: start.name, PORT: String(start.port), NATS_URL: start.natsUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the launcher's terminal reaches the launcher only, which stops each node by PID in turn.
    detached: true,
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop()!;
      for (const line of lines) start.onLine?.(line);
    });
  }
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`node ${start.name} was not listening within ${LISTENING_WITHIN_MS} ms:\n${out}`));
    }, LISTENING_WITHIN_MS);
    const listening = (): void => {
      const match = LISTENING.exec(out);
      if (match === null) return;
      clearTimeout(bound);
      child.stdout!.off('data', listening);
      resolve({ name: start.name, pid: child.pid!, base: match[1]!, output: () => out, exited, stop });
    };
    child.stdout!.on('data', listening);
    void exited.then((code) => {
      clearTimeout(bound);
      reject(new Error(`node ${start.name} exited (${code}) before it was listening:\n${out}`));
    });
  });
}
