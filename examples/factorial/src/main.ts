/**
 * The fairness demo server: `npm run demo`, then open http://127.0.0.1:3000/.
 * Environment: PORT (default 3000), SCHEDULERS (default one per core),
 * POLICY (`least-attained`, the default, or `round-robin`), THREAD_HEAP_MB
 * (each scheduler thread's heap, default 1024; a leak is stopped at 80%).
 * SIGHUP reloads the code (`kill -HUP <pid>`); SIGINT/SIGTERM stop gracefully.
 * The observer (dashboard, JSON API, /metrics) listens on OBSERVER_PORT
 * (default 4000; 0 picks a free port).
 * `--side-by-side` (what `npm start` passes) also starts the peers the page
 * compares with, as child processes on PORT+1 (round-robin) and PORT+2
 * (plain node:http), any free port when PORT is 0; they stop with it.
 */
import { serve } from '@strand/http';
import { observe } from '@strand/observer';
import { Strand } from '@strand/otp';
import { routes } from './app.js';
import { progressEvents } from './live/progress-events.js';
import { type Peers, startPeers } from './side-by-side/peers.js';
import { ProgressBoard } from './progress.js';

const port = Number(process.env.PORT ?? 3000);
const policy = process.env.POLICY === 'round-robin' ? 'round-robin' : 'least-attained';
const app = await Strand.start({
  ...(process.env.SCHEDULERS === undefined ? {} : { schedulers: Number(process.env.SCHEDULERS) }),
  policy,
  children: [{ id: 'progress', start: { actor: ProgressBoard, args: [] } }],
  handleSignals: false,
  // A handler that never yields loses its thread after a second; one that leaks is killed at 80% of its thread's heap.
  stallTimeoutMs: 1_000,
  memory: { threadHeapMb: Number(process.env.THREAD_HEAP_MB ?? 1024) },
});
// Long enough for 999999999! to be held open by a benchmark; the client going away ends it sooner.
let peers: Peers | undefined;
const streams = { '/progress/events': progressEvents(app, policy, () => peers?.list() ?? []) };
const http = await serve({ runtime: app.runtime, routes, streams, port, deadlineMs: 10 * 60_000 });
console.log(`factorial demo on http://127.0.0.1:${http.port}/ (${app.runtime.schedulers} schedulers, ${policy})`);
const observerPort = Number(process.env.OBSERVER_PORT ?? 4000);
// The observer is a window on the demo, not part of it: a port already taken (another demo, a benchmark's) costs only the window.
const observer = await observe(app.runtime, { port: observerPort }).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(`observer not started: port ${observerPort} is in use (set OBSERVER_PORT; 0 takes any free port)`);
  return undefined;
});
if (observer !== undefined) console.log(`observer on http://127.0.0.1:${observer.port}/`);
if (process.argv.includes('--side-by-side')) peers = startPeers({ roundRobin: port === 0 ? 0 : port + 1, plain: port === 0 ? 0 : port + 2 });

process.on('SIGHUP', () => {
  app.reload().then(
    (r) => console.log(`reloaded: generation ${r.generation} on schedulers ${r.schedulers.join(', ')}`),
    (error: unknown) => console.error(`reload failed: ${error instanceof Error ? error.message : String(error)}`),
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await observer?.close();
    await Promise.all([http.stop(2_000), peers?.stop()]);
    await app.stop();
    process.exit(0);
  });
}
