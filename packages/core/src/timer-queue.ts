/**
 * Pending timers ordered by deadline (a binary min-heap). Cancelling marks an
 * entry dead instead of searching the heap; dead entries are dropped when they
 * reach the top. Entries with equal deadlines fire in the order they were added.
 */
export interface Timer<T> {
  readonly deadline: number;
  readonly seq: number;
  readonly payload: T;
  cancelled: boolean;
}

export class TimerQueue<T> {
  private heap: Timer<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(deadline: number, payload: T): Timer<T> {
    const timer: Timer<T> = { deadline, seq: this.seq++, payload, cancelled: false };
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = timer;
    return timer;
  }

  /** Deadline of the earliest live timer, or undefined. */
  nextDeadline(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.deadline;
  }

  /** Removes and returns the earliest live timer due at `now`, or undefined. */
  popDue(now: number): Timer<T> | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined || top.deadline > now) return undefined;
    this.removeTop();
    return top;
  }

  clear(): void {
    this.heap = [];
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.removeTop();
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last;
      if (l < heap.length && before(heap[l]!, best)) {
        m = l;
        best = heap[l]!;
      }
      if (r < heap.length && before(heap[r]!, best)) {
        m = r;
        best = heap[r]!;
      }
      if (m === i) break;
      heap[i] = best;
      i = m;
    }
    heap[i] = last;
  }
}

function before<T>(a: Timer<T>, b: Timer<T>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}
