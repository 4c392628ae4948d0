/**
 * `GET /progress/events`: server-sent events for the page, a sample every
 * SAMPLE_INTERVAL_MS with each factorial in flight (from the PROGRESS
 * board: multiplications done, rate, elapsed), each scheduler thread's
 * utilisation (`rt.stats()`), and the peers the page can time side by side.
 * A stream listener of `serve({ streams })`: it runs on the main thread, so
 * it only reads the runtime, as plain code does.
 */
import type { ServerResponse } from 'node:http';
import { formatPid, type Pid } from '@strand/core';
import type { StreamListener } from '@strand/http';
import type { Application } from '@strand/otp';
import { PROGRESS, type JobProgress } from '../progress.js';

/** A sample goes out this often (ms): bars move smoothly, and the main thread reads the runtime twice a second at most. */
export const SAMPLE_INTERVAL_MS = 500;

/**
 * A job's rate is the slope between the changes of its progress seen in this
 * much time (ms), and at least the last two: progress arrives in steps of
 * 1,000 multiplications, which take seconds each once the numbers are large,
 * so two samples in a row often see the same count.
 */
export const RATE_WINDOW_MS = 10_000;

/** A server the page can send the same requests to, for comparison. */
export interface Peer {
  readonly name: string;
  readonly url: string;
}

/** One factorial in flight, as the page shows it. */
export interface JobSample {
  readonly pid: string;
  readonly n: number;
  readonly done: number;
  /** Multiplications per second over the changes of the last RATE_WINDOW_MS (since the start, until it has two). */
  readonly rate: number;
  readonly elapsedMs: number;
  readonly job?: string;
}

export interface Sample {
  readonly at: number;
  readonly policy: string;
  readonly jobs: readonly JobSample[];
  readonly schedulers: readonly { readonly index: number; readonly utilisation: number; readonly runQueue: number; readonly processes: number }[];
  readonly peers: readonly Peer[];
}

/** The listener for `/progress/events`; `peers()` is read at every sample, as the peers start after the server does. */
export function progressEvents(app: Application, policy: string, peers: () => readonly Peer[]): StreamListener {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const history: History = new Map();
    let sampling = false;
    const tick = () => {
      // A slow runtime read is not stacked on: the next tick after it ends samples again.
      if (sampling) return;
      sampling = true;
      sample(app, policy, peers(), history).then(
        (s) => send(res, 'sample', s),
        (error: unknown) => send(res, 'problem', { message: error instanceof Error ? error.message : String(error) }),
      ).finally(() => {
        sampling = false;
      });
    };
    const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
    tick();
    res.on('close', () => clearInterval(timer));
  };
}

/** Each job's changes of progress (its start first), oldest first. */
type History = Map<Pid, { done: number; at: number }[]>;

async function sample(app: Application, policy: string, peers: readonly Peer[], history: History): Promise<Sample> {
  const [progress, stats] = await Promise.all([app.call<JobProgress[]>(PROGRESS, 'list'), app.runtime.stats()]);
  const at = Date.now();
  const live = new Set(progress.map((p) => p.pid));
  for (const pid of history.keys()) if (!live.has(pid)) history.delete(pid);
  const jobs = progress.map((p): JobSample => {
    const changes = history.get(p.pid) ?? [{ done: 0, at: p.startedAt }];
    if (changes.at(-1)!.done !== p.done) changes.push({ done: p.done, at });
    while (changes.length > 2 && changes[0]!.at < at - RATE_WINDOW_MS) changes.shift();
    history.set(p.pid, changes);
    const [first, last] = [changes[0]!, changes.at(-1)!];
    const rate = last.at > first.at ? ((last.done - first.done) * 1000) / (last.at - first.at) : 0;
    return { pid: formatPid(p.pid), n: p.n, done: p.done, rate, elapsedMs: at - p.startedAt, ...(p.job === undefined ? {} : { job: p.job }) };
  });
  // Index 0 is the main thread's light scheduler: it never runs processes.
  const schedulers = stats
    .filter((t) => t.index !== 0)
    .map((t) => ({ index: t.index, utilisation: t.utilisation, runQueue: t.runQueue, processes: t.processes }));
  return { at, policy, jobs, schedulers, peers };
}

function send(res: ServerResponse, event: string, data: unknown): void {
  if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
