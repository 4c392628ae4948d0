/**
 * The gateways (src/gateways.ts) in an OS process of their own, as the
 * gateways launcher, the tests and the bench start them: resolved once all
 * of them listen, stopped by the primary's PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Gateways not all listening after this long (ms) are killed and the start fails with their output: Node, tsx, threads and joining NATS per worker, on a loaded machine. */
const LISTENING_WITHIN_MS = 120_000;

const GATEWAYS = fileURLToPath(new URL('./gateways.ts', import.meta.url));
const LISTENING = /^gateway (\S+) \(pid (\d+)\) listening on (http:\/\/127\.0\.0\.1:\d+)\//gm;

export interface GatewaysStart {
  readonly gateways: number;
  /** 0: a free port, shared by all the gateways. */
  readonly port: number;
  readonly natsUrl: string;
  /** Each line the primary and its workers print (stdout and stderr). */
  readonly onLine?: (line: string) => void;
  /** More environment (SCHEDULERS, GATEWAY_PREFIX). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A gateway worker that listened, as the primary announced it. */
export interface Gateway {
  readonly name: string;
  readonly pid: number;
}

export interface GatewaysProcess {
  /** The primary's. */
  readonly pid: number;
  /** `http://127.0.0.1:PORT`, the one port of every gateway. */
  readonly base: string;
  /** Every worker that has listened so far, in order, replacements included. */
  listened(): Gateway[];
  /** Resolves once `count` workers have listened in all (replacements included); rejects if the primary exits first. */
  whenListened(count: number): Promise<Gateway[]>;
  /** Everything printed so far. */
  output(): string;
  /** Resolves with the primary's exit code once it has exited (null if a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` to the primary (SIGTERM: every gateway leaves gracefully) unless it has exited; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startGateways(start: GatewaysStart): Promise<GatewaysProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', GATEWAYS], {
    env: { ...process.env, ...start.env, GATEWAYS: String(start.gateways), PORT: String(start.port), NATS_URL: start.natsUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the launcher's terminal reaches the launcher only, which stops the primary, which stops each worker in turn.
    detached: true,
  });
  let out = '';
  const waiting: Array<() => void> = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop()!;
      for (const line of lines) start.onLine?.(line);
      for (const check of [...waiting]) check();
    });
  }
  const listenings = (): RegExpExecArray[] => [...out.matchAll(LISTENING)];
  const listened = (): Gateway[] => listenings().map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
  const whenListened = (count: number): Promise<Gateway[]> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (listenings().length < count) return;
        waiting.splice(waiting.indexOf(check), 1);
        resolve(listened());
      };
      waiting.push(check);
      check();
      void exited.then((code) => reject(new Error(`the gateways' primary exited (${code}) before ${count} gateways had listened:\n${out}`)));
    });
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    return exited;
  };
  const bound = setTimeout(() => void stop('SIGKILL'), LISTENING_WITHIN_MS);
  try {
    await whenListened(start.gateways);
  } catch (error) {
    throw new Error(`${start.gateways} gateways were not listening within ${LISTENING_WITHIN_MS} ms`, { cause: error });
  } finally {
    clearTimeout(bound);
  }
  return { pid: child.pid!, base: listenings()[0]![3]!, listened, whenListened, output: () => out, exited, stop };
}
