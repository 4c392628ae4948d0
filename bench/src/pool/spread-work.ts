/**
 * The placement-spread benchmark's work and job mix, shared by the load
 * generator and both servers.
 *
 * A unit of work is 400 rounds of integer mixing (about 1 µs). A Strand
 * handler yields after every unit; a node:cluster worker runs them in one go,
 * as a plain request handler does.
 *
 * The job mix: `connections` keep-alive connections (8), each sending
 * `jobsPerConnection` requests (10) one after another. Connection k (1-based)
 * carries a share of the total work proportional to 1 / k^1.5 (Zipf): the
 * two heaviest connections carry 70% of it, as when a few clients (batch
 * jobs, a busy tenant, a proxy multiplexing many users) send most of the
 * traffic. Within a connection, job sizes vary by a deterministic factor
 * from 0.5 to 1.5.
 */

export const UNIT_ROUNDS = 400;

/** Runs `units` units of work; returns a value depending on all of it, so nothing is optimised away. */
export function workUnits(units: number, seed = 1): number {
  let h = seed | 0;
  for (let u = 0; u < units; u++) {
    for (let j = 0; j < UNIT_ROUNDS; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
  }
  return h;
}

/** One unit: the step a Strand handler yields after. */
export function workUnit(h: number): number {
  for (let j = 0; j < UNIT_ROUNDS; j++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j) | 0;
  return h;
}

export const ZIPF_EXPONENT = 1.5;

export interface JobMix {
  /** `jobs[k]`: the sizes (units) of connection k's requests, in order. */
  readonly jobs: readonly (readonly number[])[];
  readonly totalUnits: number;
}

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function jobMix(connections: number, jobsPerConnection: number, totalUnits: number, seed = 20_240_601): JobMix {
  const rnd = random(seed);
  const weights = Array.from({ length: connections }, (_, k) => 1 / (k + 1) ** ZIPF_EXPONENT);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const jobs = weights.map((w) => {
    const factors = Array.from({ length: jobsPerConnection }, () => 0.5 + rnd());
    const factorSum = factors.reduce((a, b) => a + b, 0);
    const share = (totalUnits * w) / weightSum;
    return factors.map((f) => Math.max(1, Math.round((share * f) / factorSum)));
  });
  return { jobs, totalUnits: jobs.flat().reduce((a, b) => a + b, 0) };
}

/** Share of `total` held by the `top` largest of `values`. */
export function topShare(values: readonly number[], top = 2): number {
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  return [...values].sort((a, b) => b - a).slice(0, top).reduce((a, b) => a + b, 0) / total;
}

/**
 * The lowest busiest-`top` share any placement of these jobs on `bins`
 * workers could reach, approximated by longest-processing-time-first
 * packing: the floor that job granularity sets.
 */
export function packedShare(sizes: readonly number[], bins: number, top = 2): number {
  const load = new Array<number>(bins).fill(0);
  for (const size of [...sizes].sort((a, b) => b - a)) {
    let least = 0;
    for (let i = 1; i < bins; i++) if (load[i]! < load[least]!) least = i;
    load[least]! += size;
  }
  return topShare(load, top);
}
