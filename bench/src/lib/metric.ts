/**
 * What a benchmark reports: named figures. Strand benchmarks and the Erlang
 * baseline use the same ids (`ring/1000x1000/rate`), so the runner can put
 * them side by side.
 */
export interface Metric {
  readonly id: string;
  readonly value: number;
  readonly unit: string;
}

/** Parameters a runner passes to a benchmark module. */
export interface BenchParams {
  readonly smoke: boolean;
  readonly [key: string]: unknown;
}

/** A benchmark module under src/core/: runs in its own Node process, returns its figures. */
export type BenchFn = (params: BenchParams) => Promise<Metric[]>;

/** Line prefix a child process uses to hand its figures back to the runner. */
export const RESULT_PREFIX = '@@strand-bench-result ';
