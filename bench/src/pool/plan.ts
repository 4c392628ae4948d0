/** The pool benchmark's command line, plan and targets. */
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
export const smoke = argv.includes('--smoke');
const profileArg = argv.find((a) => a === '--cpu-prof' || a.startsWith('--cpu-prof='));
export const profileDir =
  profileArg === undefined ? undefined : profileArg.includes('=') ? profileArg.slice('--cpu-prof='.length) : join(os.tmpdir(), 'strand-pool-profiles');
const outArg = argv.find((a) => a.startsWith('--out='));
export const DOC = outArg !== undefined ? outArg.slice('--out='.length) : fileURLToPath(new URL('../../../docs/pool-benchmarks.md', import.meta.url));
export const writeDoc = outArg !== undefined || (!smoke && profileDir === undefined);

export const PLAN = smoke
  ? {
      ringRepeats: 1,
      ringHops: { strand: 300, single: 100, batch: 100, numbers: 300 },
      cpuRepeats: 1,
      cpuRounds: 5,
      cpuUnits: 10_000,
      spawnRepeats: 1,
      spawnN: 10_000,
      spreadRounds: 1,
      spreadUnits: 200_000,
      placement: { trials: 1, gaps: [0, 2], jobMs: 60, pauseMs: 200 },
    }
  : {
      ringRepeats: 5,
      ringHops: { strand: 5_000, single: 1_000, batch: 2_000, numbers: 5_000 },
      cpuRepeats: 5,
      cpuRounds: 100,
      cpuUnits: 200_000,
      spawnRepeats: 3,
      spawnN: 100_000,
      spreadRounds: 3,
      spreadUnits: 3_000_000,
      placement: { trials: 4, gaps: [0, 1, 2, 5], jobMs: 150, pauseMs: 600 },
    };
export const RING_SIZE = 1_000;
export const CPU_JOBS = 8;

/** Targets from issue 9 (ring, speed-up); the spread and placement bars are this benchmark's own. */
export const TARGET = {
  ringRate: 8e6,
  cpuSpeedup: 1.9,
  spreadTop2: 0.375,
  placementIdle: 0,
} as const;
