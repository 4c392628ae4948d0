/** What one server's run of the fairness benchmark recorded. */
import type { Outcome } from './client.js';
import type { ServerSpec } from './servers.js';

/** One long job as Strand's `GET /progress` lists it. */
export interface Progress {
  readonly pid: unknown;
  readonly n: number;
  readonly done: number;
}

export interface Poll {
  /** ms since the short requests started. */
  readonly at: number;
  readonly jobs: readonly Progress[] | undefined;
  readonly failure?: string;
}

export interface Result {
  readonly spec: ServerSpec;
  readonly failedToStart?: string;
  readonly ready?: string;
  readonly idle: readonly Outcome[];
  readonly loaded: readonly Outcome[];
  readonly long: readonly Outcome[];
  readonly polls: readonly Poll[];
  /** /progress one second after the long requests' sockets were destroyed. */
  readonly afterPoll?: Poll;
  readonly peakRssBytes: number;
  readonly killedForMemory?: string;
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly stderr: readonly string[];
}
