/**
 * The run queue of the `'least-attained'` policy: the CPU goes first to the
 * process that has used the least of it since it last blocked
 * (least-attained service), so short work gets through at near-idle latency
 * while long work keeps computing.
 *
 * - A process that has used less than `FRESH_LIMIT_MS` since it last blocked
 *   is fresh: fresh processes are served first in, first out, in O(1). Most
 *   activations (a server answering a message) never leave this queue.
 * - The others wait in a min-heap keyed by attained CPU time: a request that
 *   has computed for 30 ms goes before ten jobs that have computed for
 *   seconds, however young they are.
 * - Every `SHARE_EVERY`-th pick takes, among the non-fresh processes, the one
 *   that has waited longest, so long jobs always progress (≥ 1/SHARE_EVERY of
 *   the slices) however much short work arrives.
 * - A non-fresh process counts as having used at least `AGE_FLOOR_RATE` of
 *   the time since it entered the heap (without blocking). Otherwise many
 *   long jobs starved by a stream of short work (each held to its share)
 *   would stay as "young" as a short request for as long as N × its CPU
 *   need ÷ their share, and every request would queue behind all of them;
 *   with the floor a job that has waited seconds counts as long. A process
 *   that gets more than that rate of CPU is ordered by what it used, as
 *   before.
 *
 * A process sits in the heap and in the waiting-order queue at once; taking
 * it from either makes its entry in the other stale (its token moves on).
 */
import { MinHeap } from './min-heap.js';
import { type ProcessQueue, RunQueue } from './run-queue.js';

/** A process below this much CPU (ms) since it last blocked is served first in, first out. */
export const FRESH_LIMIT_MS = 1;
/** One pick in this many goes to the longest-waiting non-fresh process: long jobs keep ≥ 10% of the slices. */
export const SHARE_EVERY = 10;
/**
 * A non-fresh process counts as having used at least this share of the
 * time since it entered the heap: 2%, so a job in the heap for 1.25 s
 * counts as having used 25 ms, more than a typical short request needs.
 */
export const AGE_FLOOR_RATE = 0.02;
/** `heapSince` of a process that is not in the heap's run since it last blocked. */
export const NOT_IN_HEAP = -0.5;

export interface Attained {
  /** CPU time (ms) used since it last blocked. */
  readonly attained: number;
  /** Moves on each time it is queued; an entry with an older token is stale. */
  queueToken: number;
  /** When (clock ms) it first entered the heap since it last blocked; `NOT_IN_HEAP` before that. Reset by its owner when it blocks. */
  heapSince: number;
}

interface Entry<T extends Attained> {
  readonly item: T;
  readonly token: number;
  readonly key: number;
  readonly seq: number;
}

export class LeastAttainedQueue<T extends Attained> implements ProcessQueue<T> {
  private readonly fresh = new RunQueue<T>();
  private readonly heap = new MinHeap<Entry<T>>(before);
  private waiting = new RunQueue<Entry<T>>();
  private queued = 0;
  private seq = 0;
  private picks = 0;

  /** `now`: a recent clock reading (heap entries are made at the end of a slice, right after one). */
  constructor(private readonly now: () => number) {}

  get length(): number {
    return this.fresh.length + this.queued;
  }

  push(item: T): void {
    if (item.attained < FRESH_LIMIT_MS) {
      this.fresh.push(item);
      return;
    }
    item.queueToken += 1;
    const now = this.now();
    if (item.heapSince < 0) item.heapSince = now;
    const key = Math.max(item.attained, (now - item.heapSince) * AGE_FLOOR_RATE);
    const entry: Entry<T> = { item, token: item.queueToken, key, seq: this.seq++ };
    this.heap.push(entry);
    this.waiting.push(entry);
    this.queued += 1;
  }

  shift(): T | undefined {
    if (this.queued === 0) return this.fresh.shift();
    this.picks += 1;
    if (this.picks % SHARE_EVERY === 0) return this.take(this.oldest());
    if (this.fresh.length > 0) return this.fresh.shift();
    return this.take(this.least());
  }

  clear(): void {
    this.fresh.clear();
    this.heap.clear();
    this.waiting = new RunQueue<Entry<T>>();
    this.queued = 0;
  }

  private take(entry: Entry<T>): T {
    entry.item.queueToken += 1;
    this.queued -= 1;
    return entry.item;
  }

  private live(entry: Entry<T>): boolean {
    return entry.token === entry.item.queueToken;
  }

  private oldest(): Entry<T> {
    for (;;) {
      const entry = this.waiting.shift()!;
      if (this.live(entry)) return entry;
    }
  }

  private least(): Entry<T> {
    for (;;) {
      const entry = this.heap.pop()!;
      if (this.live(entry)) return entry;
    }
  }
}

function before<T extends Attained>(a: Entry<T>, b: Entry<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}
