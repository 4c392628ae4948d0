/**
 * The demo's peers, for the page to time side by side with it: the same
 * Strand server under the round-robin policy (main.ts with
 * POLICY=round-robin) and a plain `node:http` server (plain-server.ts), each
 * a child process. A peer joins the list once it says where it listens; one
 * that fails to start is reported and left out. `stop()` ends them by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Peer } from '../live/progress-events.js';

/** A peer not gone this long (ms) after SIGTERM is killed: the round-robin server stops gracefully within its 2 s drain. */
const PEER_STOP_MS = 10_000;

export interface Peers {
  /** The peers listening so far. */
  list(): readonly Peer[];
  stop(): Promise<void>;
}

/** Starts the peers on `ports` (0: any free port each). */
export function startPeers(ports: { readonly roundRobin: number; readonly plain: number }): Peers {
  const listening: Peer[] = [];
  const children = [
    // Its observer on a free port: the demo's own holds the default one.
    start('Strand, round-robin', '../main.ts', { PORT: String(ports.roundRobin), POLICY: 'round-robin', OBSERVER_PORT: '0' }, /^factorial demo on http:\/\/127\.0\.0\.1:(\d+)\//m, listening),
    start('plain node:http', './plain-server.ts', { PORT: String(ports.plain) }, /^plain node:http factorial on http:\/\/127\.0\.0\.1:(\d+)\//m, listening),
  ];
  // A main process that ends without its signal handlers (a crash) still takes its peers along.
  process.once('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    list: () => listening,
    stop: () => Promise.all(children.map(stopChild)).then(() => undefined),
  };
}

/** Starts `script`; it joins `listening` once its output matches `says` (the port in its first group). */
function start(name: string, script: string, env: Record<string, string>, says: RegExp, listening: Peer[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const onData = (chunk: Buffer) => {
    out += String(chunk);
    const port = says.exec(out)?.[1];
    if (port === undefined) return;
    const url = `http://127.0.0.1:${port}`;
    listening.push({ name, url });
    console.log(`side by side: ${name} on ${url}/ (pid ${child.pid})`);
    child.stdout!.off('data', onData);
    // Its later lines (a reload) are not ours to print; keep the pipe flowing.
    child.stdout!.resume();
  };
  child.stdout!.on('data', onData);
  child.once('exit', (code, signal) => {
    const at = listening.findIndex((p) => p.name === name);
    if (at !== -1) listening.splice(at, 1);
    else console.error(`side by side: ${name} did not start (exit ${code ?? signal}): ${out.trim()}`);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), PEER_STOP_MS);
  await exited;
  clearTimeout(timer);
}
