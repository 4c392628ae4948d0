/**
 * Several gateways on one machine and one port: a path past the single main
 * thread every HTTP request crosses (docs/http-main-thread.md). The primary
 * forks GATEWAYS workers with `node:cluster`; each worker is a cluster node
 * (src/main.ts) named `<GATEWAY_PREFIX>-<worker id>`, with a share of the
 * cores as schedulers, serving the demo's app on the same port of
 * 127.0.0.1: node:cluster's primary accepts the connections and hands them
 * to the workers in turn. Sessions are found by global name, so any gateway
 * answers for any session.
 *
 * Environment: GATEWAYS (default 2), PORT (default 3000; 0 for one free at
 * the start, which restarted workers take too), NATS_URL (default nats://127.0.0.1:4222), GATEWAY_PREFIX
 * (default `gateway`), SCHEDULERS (per gateway; default the cores divided
 * among the gateways, at least 1).
 *
 * The primary prints `gateway NAME (pid P) listening on URL` for each worker
 * that listens. A worker that exits while the primary is not stopping is
 * replaced by a new one (a new worker id, so a new node name: the dead one's
 * name stays taken for a loss window), at most MAX_RESTARTS times within
 * RESTART_WINDOW_MS; past that the primary stops everything and exits 1.
 * SIGTERM or SIGINT to the primary stops the workers one after another with
 * SIGTERM (each leaves gracefully: `node.stop()` hands its sessions to a node
 * still running), then it exits 0, or 1 if a worker did not exit cleanly.
 */
import cluster, { type Worker } from 'node:cluster';
import { type AddressInfo, createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '@strand/core';

const DEFAULT_GATEWAYS = 2;
const DEFAULT_PORT = 3000;
/** At most this many gateways: a cluster has 255 node numbers. */
const MAX_GATEWAYS = 255;
/** Restarts allowed within RESTART_WINDOW_MS before the primary gives up (OTP's intensity): a worker that cannot start must not loop forever. */
const MAX_RESTARTS = 5;
/** The window MAX_RESTARTS is counted over, in ms (OTP's period). */
const RESTART_WINDOW_MS = 60_000;
/** How long a worker may take to leave after SIGTERM, in ms, before SIGKILL: its HTTP drain (2 s) and handoff, on a loaded machine. */
const LEAVE_WITHIN_MS = 30_000;

const prefix = process.env.GATEWAY_PREFIX ?? 'gateway';

if (cluster.isWorker) {
  // main.ts reads its node name, port, NATS URL and schedulers from the environment the primary forked it with.
  process.env.NODE_NAME = `${prefix}-${cluster.worker!.id}`;
  await import('./main.js');
} else {
  await runPrimary();
}

async function runPrimary(): Promise<void> {
  const gateways = gatewayCount(process.env.GATEWAYS);
  const schedulers = process.env.SCHEDULERS ?? String(Math.max(1, Math.floor(availableParallelism() / gateways)));
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  // Every worker, replacements included, must listen on the same port: node:cluster's primary shares one listener per address and port.
  const port = await concretePort(Number(process.env.PORT ?? DEFAULT_PORT));
  const exits = new Map<Worker, Promise<boolean>>();
  let restarts: number[] = [];
  let stopping = false;

  const nameOf = (worker: Worker): string => `${prefix}-${worker.id}`;
  const fork = (): void => {
    const worker = cluster.fork({ PORT: String(port), NATS_URL: natsUrl, SCHEDULERS: schedulers, GATEWAY_PREFIX: prefix });
    // Clean: exit code 0, or the SIGTERM the primary sent to a worker still starting (its own handler not installed yet).
    exits.set(worker, new Promise((resolve) => worker.once('exit', (code, signal) => resolve(code === 0 || (stopping && signal === 'SIGTERM')))));
  };

  cluster.on('listening', (worker, address) => {
    console.log(`gateway ${nameOf(worker)} (pid ${worker.process.pid}) listening on http://127.0.0.1:${address.port}/`);
  });
  cluster.on('exit', (worker, code, signal) => {
    exits.delete(worker);
    const how = signal ?? `code ${code}`;
    if (stopping) return;
    const now = Date.now();
    restarts = restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    if (restarts.length >= MAX_RESTARTS) {
      console.error(`gateway ${nameOf(worker)} (pid ${worker.process.pid}) exited (${how}): ${MAX_RESTARTS} restarts within ${RESTART_WINDOW_MS / 1_000} s already, giving up`);
      void stopAll(1);
      return;
    }
    restarts.push(now);
    console.log(`gateway ${nameOf(worker)} (pid ${worker.process.pid}) exited (${how}); starting another (restart ${restarts.length} of at most ${MAX_RESTARTS} within ${RESTART_WINDOW_MS / 1_000} s)`);
    fork();
  });

  /** Stops the workers one after another, so each can hand its sessions to a node still running; then exits. */
  async function stopAll(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    let clean = code === 0;
    for (const [worker, exited] of [...exits]) {
      if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGTERM');
      const bound = setTimeout(() => worker.process.kill('SIGKILL'), LEAVE_WITHIN_MS);
      if (!(await exited)) clean = false;
      clearTimeout(bound);
    }
    process.exit(clean ? 0 : 1);
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(0));
  console.log(`starting ${gateways} gateways on 127.0.0.1:${port}, ${schedulers} scheduler(s) each, NATS at ${natsUrl} (primary pid ${process.pid})`);
  for (let i = 0; i < gateways; i++) fork();
}

/** `port`, or for 0 a port free now on 127.0.0.1. */
async function concretePort(port: number): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

/** GATEWAYS as a number of gateways; a clear error for anything else. */
function gatewayCount(value: string | undefined): number {
  if (value === undefined) return DEFAULT_GATEWAYS;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_GATEWAYS) throw new InvalidOptionError('GATEWAYS', value, `an integer from 1 to ${MAX_GATEWAYS}`);
  return count;
}
