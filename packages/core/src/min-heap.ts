/**
 * A binary min-heap ordered by `before`: O(log n) push and pop of the least
 * item. Shared by the timer queue (by deadline) and the least-attained run
 * queue (by CPU time).
 */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the least item; undefined when empty. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last;
      if (l < items.length && this.before(items[l]!, best)) {
        m = l;
        best = items[l]!;
      }
      if (r < items.length && this.before(items[r]!, best)) {
        m = r;
        best = items[r]!;
      }
      if (m === i) break;
      items[i] = best;
      i = m;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.items = [];
  }
}
