/**
 * A first-in first-out queue of runnable processes, on a growable ring buffer
 * so that push and shift are O(1) without the O(n) of `Array#shift`.
 */
const INITIAL_CAPACITY = 64;

/** What the scheduler needs of a run queue, whatever its policy. */
export interface ProcessQueue<T> {
  readonly length: number;
  push(item: T): void;
  shift(): T | undefined;
  clear(): void;
}

export class RunQueue<T> implements ProcessQueue<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count += 1;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count -= 1;
    return item;
  }

  clear(): void {
    this.slots = new Array<T | undefined>(INITIAL_CAPACITY);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.slots;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.slots = next;
    this.head = 0;
  }
}
