/**
 * A real `nats-server -js` for the tests: on 127.0.0.1, on a free port, with
 * its own store directory in a temp dir; stopped by its PID.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when Debian's nats-server (or another) is on the PATH. */
export const natsServerInstalled = spawnSync('nats-server', ['--version']).status === 0;

/**
 * Tests skip without nats-server only off CI: under CI (which installs it,
 * see .ci/run) a missing server is a failure.
 */
export const skipWithoutNats = !natsServerInstalled && !process.env.CI;
if (skipWithoutNats) console.warn('[cluster tests] skipped: nats-server is not installed (apt-get install nats-server)');

/** How long the server may take to say it is ready, in ms: generous for a loaded machine. */
const READY_TIMEOUT_MS = 20_000;

export interface NatsServer {
  readonly url: string;
  /** The server process now (a new one after `start`). */
  readonly pid: number;
  /** Stops the server process (SIGTERM) and keeps its store: `start` brings it back on the same port with the same JetStream data. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its store. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'strand-nats-'));
  let child: ChildProcess | undefined = await launch(port, store);
  const halt = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    process.kill(running.pid!, 'SIGTERM');
    await exited;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? 0;
    },
    halt,
    async start() {
      child ??= await launch(port, store);
    },
    async stop() {
      await halt();
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/** Starts `nats-server -js` on 127.0.0.1:`port` with its store in `store`, and waits until it says it is ready. */
async function launch(port: number, store: string): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready after ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${log}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  // Read on, keep nothing: a test process must not grow with a server's log.
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  return child;
}
