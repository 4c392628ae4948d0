/**
 * The HTTP benchmark's measurements of one server: autocannon, the exact
 * client, and the exact client while ten long factorials load the server.
 * Each also records the server's CPU and the load average at its start.
 */
import autocannon from 'autocannon';
import { type ClientRequest, request } from 'node:http';
import { grouped } from '../lib/report.js';
import { loadText } from '../lib/machine.js';
import { type ExactResult, quantileOfSent, runExact } from './exact-client.js';
import { balanced, ms, pct, rate, us } from './figures.js';
import { LABEL, PLAN, type ServerKind, profileDir } from './plan.js';
import { type ServerProcess, cpuTimeMs, startServer, withCpu } from './servers.js';

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const nodeArgs = (name: string): string[] =>
  profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${name}`];

/** A server for `kind`: `ok` answers `GET /`, `mixed` also computes `/factorial?n=N`. */
export function start(kind: ServerKind, mode: 'ok' | 'mixed'): Promise<ServerProcess> {
  return kind === 'strand'
    ? startServer(`strand-${mode}`, 'src/http/strand-server.ts', [mode, String(PLAN.schedulers)], nodeArgs(`strand-${mode}`))
    : startServer(`node-${mode}`, 'src/http/node-server.ts', [], nodeArgs(`node-${mode}`));
}

export interface CannonRun {
  readonly round: number;
  readonly server: ServerKind;
  readonly rps: number;
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly resets: number;
  readonly sent: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly cpu: number | undefined;
  /** Server CPU time per completed request, µs. */
  readonly cpuPerRequestUs: number | undefined;
  readonly load: string;
}

export interface ExactRun {
  readonly round: number;
  readonly server: ServerKind;
  readonly result: ExactResult;
  readonly cpu: number | undefined;
  /** Server CPU time per answered request, µs. */
  readonly cpuPerRequestUs: number | undefined;
  readonly load: string;
}

export interface CpuLoadRun {
  readonly server: ServerKind;
  readonly exact: ExactRun;
  /** Server CPU while the jobs ran alone, before the measurement (% of one core). */
  readonly cpuBefore: number | undefined;
  /** What each factorial request had come to when the measurement ended. */
  readonly jobs: Readonly<Record<string, number>>;
  readonly ended: string;
}

const perRequestUs = (cpuMs: number | undefined, requests: number): number | undefined =>
  cpuMs === undefined || requests === 0 ? undefined : (cpuMs * 1000) / requests;

export async function cannon(server: ServerProcess, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: server.url, connections: PLAN.connections, duration: seconds, pipelining: 1, timeout: 10 });
}

export async function measureCannon(round: number, kind: ServerKind, server: ServerProcess): Promise<CannonRun> {
  const load = loadText();
  const { result: r, cpuMs, cpuPercent } = await withCpu(server.pid, () => cannon(server, PLAN.autocannonS));
  const run: CannonRun = {
    round,
    server: kind,
    rps: r.requests.average,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    resets: (r as { resets?: number }).resets ?? 0,
    sent: r.requests.sent,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    cpu: cpuPercent,
    cpuPerRequestUs: perRequestUs(cpuMs, r['2xx'] + r.non2xx),
    load,
  };
  log(
    `  autocannon ${LABEL[kind]}: ${grouped(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ` +
      `2xx ${run.ok2xx}, non-2xx ${run.non2xx}, errors ${run.errors}, timeouts ${run.timeouts}, sent ${run.sent}; ` +
      `server CPU ${pct(run.cpu)}, ${us(run.cpuPerRequestUs)} µs/request`,
  );
  return run;
}

export async function measureExact(round: number, kind: ServerKind, server: ServerProcess, durationMs: number, timeoutMs: number): Promise<ExactRun> {
  const load = loadText();
  const { result, cpuMs, cpuPercent } = await withCpu(server.pid, () =>
    runExact({ url: server.url, connections: PLAN.connections, durationMs, timeoutMs }),
  );
  log(`  exact      ${LABEL[kind]}: ${exactLine(result)}`);
  return { round, server: kind, result, cpu: cpuPercent, cpuPerRequestUs: perRequestUs(cpuMs, result.answered), load };
}

function exactLine(r: ExactResult): string {
  return (
    `sent ${r.sent} = answered ${r.answered} + errors ${r.errors} + timeouts ${r.timeouts}` +
    `${balanced(r) ? '' : ' ✗ MISMATCH'}; ${grouped(rate(r))} answers/s, ` +
    `p50 ${ms(quantileOfSent(r, 0.5))}, p99 ${ms(quantileOfSent(r, 0.99))} ms` +
    `${Object.keys(r.errorCodes).length > 0 ? `; errors: ${JSON.stringify(r.errorCodes)}` : ''}`
  );
}

/** Sends the long factorials, lets them run alone, then measures trivial requests beside them; ends the server. */
export async function measureUnderCpuLoad(kind: ServerKind, server: ServerProcess): Promise<CpuLoadRun> {
  log(`${LABEL[kind]} (pid ${server.pid}, port ${server.port}), under CPU load:`);
  try {
    await cannon(server, PLAN.warmupS); // the same warm-up as the unloaded case
    const jobs = new Map<number, string>();
    const requests: ClientRequest[] = [];
    for (let i = 0; i < PLAN.cpuJobs; i++) {
      jobs.set(i, 'in flight');
      // One connection each (agent: false): they never share a socket with the measured requests.
      const req = request({ host: '127.0.0.1', port: server.port, path: `/factorial?n=${PLAN.cpuN}`, agent: false }, (res) => {
        jobs.set(i, `answered ${res.statusCode}`);
        res.resume();
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (jobs.get(i) === 'in flight') jobs.set(i, `error ${error.code ?? error.message}`);
      });
      req.end();
      requests.push(req);
    }
    const cpu0 = cpuTimeMs(server.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, PLAN.cpuSettleMs));
    const cpu1 = cpuTimeMs(server.pid);
    const cpuBefore = cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) / (performance.now() - t0)) * 100;
    log(`  ${PLAN.cpuJobs} × ${PLAN.cpuN}! sent; server CPU over the next ${PLAN.cpuSettleMs} ms: ${pct(cpuBefore)}`);
    const exact = await measureExact(0, kind, server, PLAN.cpuExactMs, PLAN.cpuTimeoutMs);
    const counts: Record<string, number> = {};
    for (const state of jobs.values()) counts[state] = (counts[state] ?? 0) + 1;
    for (const req of requests) req.destroy();
    return { server: kind, exact, cpuBefore, jobs: counts, ended: await server.kill() };
  } finally {
    await server.kill();
  }
}
