/** The OTP benchmark's command line, plan and targets. */
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
export const smoke = argv.includes('--smoke');
const outArg = argv.find((a) => a.startsWith('--out='));
export const DOC = outArg !== undefined ? outArg.slice('--out='.length) : fileURLToPath(new URL('../../../docs/otp-benchmarks.md', import.meta.url));
export const writeDoc = outArg !== undefined || !smoke;

export const PLAN = smoke
  ? { crashes: 500, warmup: 500, block: 100, probeMs: 500 }
  : { crashes: 10_000, warmup: 5_000, block: 1_000, probeMs: 3_000 };
/** Every restart is allowed: 1,000,000 restarts in 5,000 s. */
export const INTENSITY = 1_000_000;
export const PERIOD_S = 5_000;

export const TARGET = {
  medianUs: 50,
  p99Us: 500,
  /** "No growth": the last block's median at most this many times the first block's. */
  growth: 1.25,
} as const;
