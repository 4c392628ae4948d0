/**
 * The placement-spread benchmark's work and job mix, shared by the load
 * generator and both servers.
 *
 * A unit of work is 400 rounds of integer mixing (about 1 µs). A Strand
 * handler yields after every unit; a node:cluster worker runs them in one go,
 * as a plain request handler does.
 *
 * The job mix: `heavy` keep-alive connections (2) carry `heavyShare` (70%)
 * of all the work in `heavyJobs` requests each (20), as when a few clients
 * (a batch importer, a busy tenant, a proxy multiplexing many users) send
 * most of the traffic; `light` connections (22) carry the rest in
 * `lightJobs` requests each (10). Every connection sends its requests one
 * after another (HTTP/1.1 keep-alive, no pipelining), so requests arrive over
 * time. Within a connection, request sizes vary by a deterministic factor
 * from 0.5 to 1.5. The heavy connections open first.
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

export interface MixShape {
  readonly heavy: number;
  readonly heavyShare: number;
  readonly heavyJobs: number;
  readonly light: number;
  readonly lightJobs: number;
}

export const MIX: MixShape = { heavy: 2, heavyShare: 0.7, heavyJobs: 20, light: 22, lightJobs: 10 };

export interface JobMix {
  /** `jobs[k]`: the sizes (units) of connection k's requests, in order; heavy connections first. */
  readonly jobs: readonly (readonly number[])[];
  readonly heavy: number;
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

export function jobMix(totalUnits: number, shape: MixShape = MIX, seed = 20_240_601): JobMix {
  const rnd = random(seed);
  const connection = (share: number, count: number): number[] => {
    const factors = Array.from({ length: count }, () => 0.5 + rnd());
    const factorSum = factors.reduce((a, b) => a + b, 0);
    return factors.map((f) => Math.max(1, Math.round((totalUnits * share * f) / factorSum)));
  };
  const jobs = [
    ...Array.from({ length: shape.heavy }, () => connection(shape.heavyShare / shape.heavy, shape.heavyJobs)),
    ...Array.from({ length: shape.light }, () => connection((1 - shape.heavyShare) / shape.light, shape.lightJobs)),
  ];
  return { jobs, heavy: shape.heavy, totalUnits: jobs.flat().reduce((a, b) => a + b, 0) };
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
