/**
 * The raw baseline of the cross-thread ring: two plain worker threads joined
 * by a `MessageChannel`, passing tokens back and forth with `postMessage`,
 * nothing of Strand in between. A token is a small object `{ id, hops }`;
 * the receiver sends it back with one hop less until it reaches 0.
 *
 * - `single`: one token per `postMessage`; `tokens` tokens in flight (all
 *   start on thread A), like the Strand ring's one token per process;
 * - `batch`: arrays of `tokens` tokens per `postMessage`: each thread starts
 *   with one array, so both threads have work at once; each token in an
 *   array counts as one message;
 * - `numbers`: as `batch`, but a token is a bare number (its hop count), the
 *   way Strand's batches carry a ring's messages (flat arrays of numbers).
 *
 * Figure: token hops (messages) per second, from `go` until every token is done.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import type { BenchParams, Metric } from '../lib/metric.js';
import { now, tsWorker } from './common.js';

interface Token {
  readonly id: number;
  readonly hops: number;
}

export type RawMode = 'single' | 'batch' | 'numbers';

interface SideData {
  readonly port: MessagePort;
  readonly mode: RawMode;
  /** Tokens this side starts each round with (single mode) or tokens per array (batch mode). */
  readonly start: number;
}

/**
 * One side of the exchange, run in a worker thread. Each `hops` number from
 * the parent starts a round; it reports how many tokens finished here.
 */
export function side({ port, mode, start }: SideData): void {
  const parent = parentPort!;
  let finished = 0;
  parent.on('message', (hops: number) => {
    if (mode === 'single') {
      for (let id = 0; id < start; id++) port.postMessage({ id, hops } satisfies Token);
    } else if (start > 0 && mode === 'batch') {
      port.postMessage(Array.from({ length: start }, (_, id): Token => ({ id, hops })));
    } else if (start > 0) {
      port.postMessage(new Array<number>(start).fill(hops));
    }
  });
  if (mode === 'single') {
    port.on('message', (token: Token) => {
      if (token.hops === 0) {
        if (++finished % 100 === 0) parent.postMessage(100);
      } else {
        port.postMessage({ id: token.id, hops: token.hops - 1 } satisfies Token);
      }
    });
  } else if (mode === 'numbers') {
    port.on('message', (tokens: number[]) => {
      if (tokens[0] === 0) {
        parent.postMessage(tokens.length);
        return;
      }
      const next = new Array<number>(tokens.length);
      for (let i = 0; i < tokens.length; i++) next[i] = tokens[i]! - 1;
      port.postMessage(next);
    });
  } else {
    port.on('message', (tokens: Token[]) => {
      // Every token of an array has the same hop count.
      if (tokens[0]!.hops === 0) {
        parent.postMessage(tokens.length);
        return;
      }
      const next = new Array<Token>(tokens.length);
      for (let i = 0; i < tokens.length; i++) next[i] = { id: tokens[i]!.id, hops: tokens[i]!.hops - 1 };
      port.postMessage(next);
    });
  }
}

/** Two threads joined by a channel; `round(hops)` runs one timed exchange and returns messages per second. */
export async function rawPair(mode: RawMode, tokens: number): Promise<{ round(hops: number): Promise<number>; close(): Promise<void> }> {
  if (mode === 'single' && tokens % 100 !== 0) throw new Error('tokens must be a multiple of 100');
  const { port1, port2 } = new MessageChannel();
  const a = tsWorker(import.meta.url, 'side', { port: port1, mode, start: tokens } satisfies SideData, [port1]);
  const b = tsWorker(import.meta.url, 'side', { port: port2, mode, start: mode === 'single' ? 0 : tokens } satisfies SideData, [port2]);
  await Promise.all([a, b].map((w) => new Promise((resolve) => w.once('online', resolve))));
  const total = mode === 'single' ? tokens : 2 * tokens;
  let finished = 0;
  let onFinished = (): void => {};
  let failed: Error | undefined;
  for (const w of [a, b]) {
    w.on('message', (n: number) => {
      finished += n;
      if (finished === total) onFinished();
    });
    w.on('error', (error) => {
      failed = error;
      onFinished();
    });
  }
  // The threads import the module before they listen: a first round proves they are ready.
  const round = async (hops: number): Promise<number> => {
    finished = 0;
    const done = new Promise<number>((resolve) => (onFinished = () => resolve(now())));
    const t0 = now();
    a.postMessage(hops);
    b.postMessage(hops);
    const t1 = await done;
    if (failed !== undefined) throw failed;
    return (total * hops) / ((t1 - t0) / 1000);
  };
  return {
    round,
    close: async () => {
      await Promise.all([a.terminate(), b.terminate()]);
    },
  };
}

export async function run(params: BenchParams): Promise<Metric[]> {
  const mode = (params.mode ?? 'single') as RawMode;
  const hops = Number(params.hops ?? (params.smoke ? 500 : 5_000));
  const tokens = Number(params.tokens ?? 1_000);
  const pair = await rawPair(mode, tokens);
  try {
    await pair.round(Math.min(hops, 300)); // warm-up on the same threads, as the Strand ring does
    const rate = await pair.round(hops);
    return [{ id: `raw/${mode}/rate`, value: rate, unit: 'messages/s' }];
  } finally {
    await pair.close();
  }
}
