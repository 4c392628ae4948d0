/**
 * Pending timers ordered by deadline (a binary min-heap). Cancelling marks an
 * entry dead instead of searching the heap; dead entries are dropped when they
 * reach the top. Entries with equal deadlines fire in the order they were added.
 */
import { MinHeap } from './min-heap.js';

export interface Timer<T> {
  readonly deadline: number;
  readonly seq: number;
  readonly payload: T;
  cancelled: boolean;
}

export class TimerQueue<T> {
  private readonly heap = new MinHeap<Timer<T>>(before);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  add(deadline: number, payload: T): Timer<T> {
    const timer: Timer<T> = { deadline, seq: this.seq++, payload, cancelled: false };
    this.heap.push(timer);
    return timer;
  }

  /** Deadline of the earliest live timer, or undefined. */
  nextDeadline(): number | undefined {
    this.dropCancelled();
    return this.heap.peek()?.deadline;
  }

  /** Removes and returns the earliest live timer due at `now`, or undefined. */
  popDue(now: number): Timer<T> | undefined {
    this.dropCancelled();
    const top = this.heap.peek();
    if (top === undefined || top.deadline > now) return undefined;
    return this.heap.pop();
  }

  clear(): void {
    this.heap.clear();
  }

  private dropCancelled(): void {
    while (this.heap.peek()?.cancelled === true) this.heap.pop();
  }
}

function before<T>(a: Timer<T>, b: Timer<T>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}
