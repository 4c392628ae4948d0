/**
 * HTTP benchmark: `@strand/http` (a process per request, 2 worker
 * schedulers) against a plain `node:http` server, both as child processes on
 * 127.0.0.1, measured in the same run.
 *
 *   npm run bench:http                        full run (about 3 minutes), writes docs/http.md
 *   npm run bench:http -- --smoke             a few seconds, writes nothing, exits 1 if the benchmark is broken
 *   npm run bench:http -- --cpu-prof[=DIR]    also profiles the servers (node --cpu-prof) into DIR
 *                                             (default $TMPDIR/strand-http-profiles), writes no doc;
 *                                             src/http/profile-summary.ts summarises the profiles
 *   ... --out=FILE                            writes the report to FILE instead (any mode)
 *   ... --rounds=N                            rounds of the unloaded case (full run: 3, smoke: 1)
 *
 * 1. Trivial handler (`200 ok`): requests/s and latency under autocannon
 *    (50 connections) and under this package's exact client (src/http/exact-client.ts),
 *    which records one outcome per request, so that `sent = answered + errors + timeouts`
 *    can be checked; autocannon does not count requests lost with a closed connection.
 * 2. Under CPU load: 10 requests for `999999999!` are sent to each server first
 *    (Strand computes them in processes that yield at every multiply; the plain
 *    server computes them in its request handler, as a naive server would, and
 *    blocks), then the trivial request is measured with the exact client, 5 s
 *    timeout per request.
 *
 * The machine is shared: rounds alternate which server goes first and the
 * summary takes the median of the rounds; the load average is recorded.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { loadText, machineText } from '../lib/machine.js';
import { publish } from '../lib/report.js';
import { httpReport } from './doc.js';
import { balanced } from './figures.js';
import { type CannonRun, type CpuLoadRun, type ExactRun, cannon, log, measureCannon, measureExact, measureUnderCpuLoad, start } from './measurements.js';
import { DOC, LABEL, PLAN, type ServerKind, profileDir, smoke, writeDoc } from './plan.js';
import type { ServerProcess } from './servers.js';

const started = new Date();
const loadAtStart = os.loadavg();
const t0 = performance.now();
log(`HTTP benchmark${smoke ? ' (smoke)' : ''}: ${machineText()}; load average ${loadText(loadAtStart)}`);
if (profileDir !== undefined) {
  mkdirSync(profileDir, { recursive: true });
  log(`profiling the servers into ${profileDir}/<server>/`);
}

const cannonRuns: CannonRun[] = [];
const exactRuns: ExactRun[] = [];
const cpuRuns: CpuLoadRun[] = [];
const stderrs: Record<string, string> = {};
const endings: Record<string, string> = {};
// All four servers start at once (an idle server uses no CPU): Strand's threads take seconds to load.
const startT = performance.now();
const started4 = await Promise.allSettled([start('strand', 'ok'), start('node', 'ok'), start('strand', 'mixed'), start('node', 'mixed')]);
const live = started4.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
async function endAll(): Promise<void> {
  for (const server of live) {
    endings[server.name] ??= await server.kill();
    stderrs[server.name] = server.stderr();
  }
}
process.once('SIGINT', () => void endAll().then(() => process.exit(130)));
try {
  const failed = started4.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  const [strandOk, nodeOk, strandMixed, nodeMixed] = live as [ServerProcess, ServerProcess, ServerProcess, ServerProcess];
  log(`servers started in ${Math.round(performance.now() - startT)} ms`);
  const servers: Record<ServerKind, ServerProcess> = { strand: strandOk, node: nodeOk };
  for (const kind of ['strand', 'node'] as const) {
    log(`${LABEL[kind]}: pid ${servers[kind].pid}, port ${servers[kind].port}; warm-up ${PLAN.warmupS} s`);
    await cannon(servers[kind], PLAN.warmupS);
  }
  for (let round = 1; round <= PLAN.rounds; round++) {
    const order: ServerKind[] = round % 2 === 1 ? ['strand', 'node'] : ['node', 'strand'];
    log(`round ${round}/${PLAN.rounds} (load average ${loadText()})`);
    for (const kind of order) cannonRuns.push(await measureCannon(round, kind, servers[kind]));
    for (const kind of order) exactRuns.push(await measureExact(round, kind, servers[kind], PLAN.exactMs, PLAN.timeoutMs));
  }
  for (const server of [strandOk, nodeOk]) endings[server.name] = await server.kill();
  for (const [kind, server] of [['strand', strandMixed], ['node', nodeMixed]] as const) {
    const run = await measureUnderCpuLoad(kind, server);
    cpuRuns.push(run);
    endings[server.name] = run.ended;
  }
} finally {
  await endAll();
}

const report = httpReport({
  cannon: cannonRuns,
  exact: exactRuns,
  cpu: cpuRuns,
  endings,
  stderrs,
  started,
  wallS: (performance.now() - t0) / 1000,
  loadAtStart,
  loadAtEnd: os.loadavg(),
});
publish(report, writeDoc ? DOC : undefined);

// What the smoke run guards: the benchmark measured something, and counted every request.
const problems: string[] = [];
if (![...exactRuns, ...cpuRuns.map((r) => r.exact)].every((r) => balanced(r.result))) {
  problems.push('the exact client lost track of a request (sent ≠ answered + errors + timeouts)');
}
for (const kind of ['strand', 'node'] as const) {
  if (exactRuns.filter((r) => r.server === kind).every((r) => (r.result.statuses[200] ?? 0) === 0)) problems.push(`${LABEL[kind]} answered no request with 200`);
  if (cannonRuns.filter((r) => r.server === kind).every((r) => r.ok2xx === 0)) problems.push(`autocannon got no 2xx from ${LABEL[kind]}`);
}
const strandLoaded = cpuRuns.find((r) => r.server === 'strand');
if (strandLoaded !== undefined && (strandLoaded.exact.result.statuses[200] ?? 0) === 0) problems.push('Strand answered nothing under CPU load');
if (problems.length > 0) {
  log(`\nPROBLEMS:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
}
