/**
 * A process's mailbox: messages in arrival order, taken out selectively.
 *
 * Taking the oldest message is O(1). A selective take scans from a given
 * position and removes the first match, leaving the others in place and in
 * order. Taken slots at the front are compacted away once they dominate.
 */

/** Compact the backing array once this many taken slots sit at its front. */
const COMPACT_AFTER = 1024;

export class Mailbox {
  private items: unknown[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(message: unknown): void {
    this.items.push(message);
  }

  /** The message at `index` (0 = oldest). */
  at(index: number): unknown {
    return this.items[this.head + index];
  }

  /** Removes and returns the message at `index` (0 = oldest); the caller checked the bound. */
  removeAt(index: number): unknown {
    const items = this.items;
    const i = this.head + index;
    const message = items[i];
    if (index === 0) {
      items[i] = undefined;
      this.head += 1;
      if (this.head === items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= COMPACT_AFTER && this.head * 2 >= items.length) {
        this.items = items.slice(this.head);
        this.head = 0;
      }
    } else {
      items.splice(i, 1);
    }
    return message;
  }

  /** Removes every message for which `matches` is true. */
  removeWhere(matches: (message: unknown) => boolean): void {
    const kept = this.items.slice(this.head).filter((m) => !matches(m));
    this.items = kept;
    this.head = 0;
  }

  toArray(): unknown[] {
    return this.items.slice(this.head);
  }
}
