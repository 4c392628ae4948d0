/**
 * The NATS server the demo's nodes meet on: one already answering on the
 * port, or a `nats-server -js` started here on 127.0.0.1 with its own
 * JetStream store in a temp dir, stopped by its PID. The tests start theirs
 * the same way, on a free port.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a started server may take to say it is ready, in ms: generous for a loaded machine. */
const READY_TIMEOUT_MS = 20_000;
/** nats-server's own "any free port" (`-p -1`): the tests' servers take one, and say which. */
export const ANY_PORT = -1;
/** How long a server already running may take to greet a connection, in ms. */
const GREETING_TIMEOUT_MS = 2_000;

export interface NatsServer {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM to the server, then its store is removed. */
  stop(): Promise<void>;
}

/** True when `nats-server` is on the PATH (Debian: `apt-get install nats-server`). */
export function natsServerInstalled(): boolean {
  return spawnSync('nats-server', ['--version']).status === 0;
}

/**
 * What answers on 127.0.0.1:`port`: `'nats'` (it greets with NATS's `INFO`),
 * `'other'` (something else listens there), or `'nothing'`.
 */
export function probeNats(port: number): Promise<'nats' | 'other' | 'nothing'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let greeting = '';
    const done = (answer: 'nats' | 'other' | 'nothing'): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done('other'), GREETING_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      greeting += chunk.toString('latin1');
      if (greeting.length >= 5) done(greeting.startsWith('INFO ') ? 'nats' : 'other');
    });
    socket.once('error', () => done('nothing'));
    socket.once('close', () => done(greeting === '' ? 'nothing' : 'other'));
  });
}

/**
 * Starts `nats-server -js` on 127.0.0.1:`port` (or ANY_PORT) and resolves
 * once it is ready; rejects with its log if it exits first.
 */
export async function startNatsServer(port: number): Promise<NatsServer> {
  const store = mkdtempSync(join(tmpdir(), 'strand-cluster-demo-'));
  const child: ChildProcess = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches the launcher, which stops the nodes before the server.
    detached: true,
  });
  let log = '';
  let listening = port;
  try {
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
        const announced = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log);
        if (announced !== null) listening = Number(announced[1]);
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    rmSync(store, { recursive: true, force: true });
    throw error;
  }
  child.removeAllListeners('exit');
  child.stderr!.removeAllListeners('data').resume();
  return {
    url: `nats://127.0.0.1:${listening}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
      rmSync(store, { recursive: true, force: true });
    },
  };
}
