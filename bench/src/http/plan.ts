/**
 * The HTTP benchmark's command line and plan: how long each measurement
 * runs, how many connections, the CPU-load case, the target, and where the
 * report goes.
 */
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const argv = process.argv.slice(2);
export const smoke = argv.includes('--smoke');
const profileArg = argv.find((a) => a === '--cpu-prof' || a.startsWith('--cpu-prof='));
/** `--cpu-prof[=DIR]`: the servers run under `node --cpu-prof` into DIR. */
export const profileDir =
  profileArg === undefined
    ? undefined
    : profileArg.includes('=')
      ? profileArg.slice('--cpu-prof='.length)
      : join(os.tmpdir(), 'strand-http-profiles');
const outArg = argv.find((a) => a.startsWith('--out='));
export const DOC = outArg !== undefined ? outArg.slice('--out='.length) : fileURLToPath(new URL('../../../docs/http.md', import.meta.url));
/** The full run writes docs/http.md; a smoke or profiled run writes only where `--out=FILE` says. */
export const writeDoc = outArg !== undefined || (!smoke && profileDir === undefined);

export const PLAN = smoke
  ? {
      schedulers: 2,
      connections: 50,
      rounds: 1,
      warmupS: 0.5,
      autocannonS: 1,
      exactMs: 1_000,
      timeoutMs: 1_000,
      cpuJobs: 10,
      cpuN: 999_999_999,
      cpuSettleMs: 500,
      cpuExactMs: 1_000,
      cpuTimeoutMs: 1_000,
    }
  : {
      schedulers: 2,
      connections: 50,
      rounds: 3,
      warmupS: 2,
      autocannonS: 10,
      exactMs: 10_000,
      timeoutMs: 5_000,
      cpuJobs: 10,
      cpuN: 999_999_999,
      cpuSettleMs: 3_000,
      cpuExactMs: 10_000,
      cpuTimeoutMs: 5_000,
    };
const roundsArg = argv.find((a) => a.startsWith('--rounds='));
if (roundsArg !== undefined) PLAN.rounds = Math.max(1, Number(roundsArg.slice('--rounds='.length)) || 1);
/** Strand's throughput on the trivial handler, as a fraction of plain node's (issue 9: ≥ 0.8×). */
export const TARGET_RATIO = 0.8;
/** Strand's server CPU per request, as a multiple of plain node's (issue 9: ≤ 1.5×). */
export const CPU_TARGET_RATIO = 1.5;

export type ServerKind = 'strand' | 'node';
export const LABEL: Record<ServerKind, string> = { strand: `Strand (${PLAN.schedulers} schedulers)`, node: 'plain node:http' };

/** The command that reproduces this run, for the report. */
export function command(): string {
  const extra = argv.filter((a) => !a.startsWith('--out='));
  return extra.length === 0 ? 'npm run bench:http' : `npm run bench:http -- ${extra.join(' ')}`;
}
