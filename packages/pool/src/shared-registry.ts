/**
 * Registered names for every scheduler of a runtime, in shared memory, so
 * that `register` answers at once and everywhere the same: a name taken on
 * one thread is taken on all.
 *
 * Two open-addressing tables (by name, and by pid for `nameOf` and release
 * on exit) share one lock, a word taken with `Atomics.compareExchange`. Every
 * critical section is a few probes of plain data, never user code, so a
 * thread holds the lock for microseconds. Deletion shifts entries back, so
 * no tombstones accumulate under churn.
 */
import { AlreadyRegisteredError, InvalidNameError, NameTakenError, NotRegisteredError, StrandError, formatPid, type Pid } from '@strand/core';
import type { NameRegistry } from '@strand/core/runtime';

/** Longest name in UTF-8 bytes. */
export const MAX_NAME_BYTES = 120;
/** Default number of names a runtime can hold at once. */
export const DEFAULT_MAX_NAMES = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when a runtime already holds its `maxNames` names. */
export class RegistryFullError extends StrandError {
  constructor(max: number) {
    super('ERR_STRAND_INVALID_OPTION', `the name registry is full (${max} names); raise the runtime's maxNames option`);
  }
}

/** One table of (pid, name) entries, keyed either by name or by pid. */
class EntryTable {
  private readonly used: Int32Array;
  private readonly pids: Float64Array;
  private readonly lengths: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(
    buffer: SharedArrayBuffer,
    offset: number,
    private readonly capacity: number,
    private readonly byName: boolean,
  ) {
    this.pids = new Float64Array(buffer, offset, capacity);
    offset += capacity * 8;
    this.used = new Int32Array(buffer, offset, capacity);
    offset += capacity * 4;
    this.lengths = new Int32Array(buffer, offset, capacity);
    offset += capacity * 4;
    this.bytes = new Uint8Array(buffer, offset, capacity * MAX_NAME_BYTES);
  }

  static bytesFor(capacity: number): number {
    return capacity * (8 + 4 + 4 + MAX_NAME_BYTES);
  }

  /** Slot holding the key, or -1. */
  find(name: Uint8Array | null, pid: number): number {
    for (let i = this.home(name, pid), n = 0; n < this.capacity; i = (i + 1) % this.capacity, n++) {
      if (this.used[i] === 0) return -1;
      if (this.matches(i, name, pid)) return i;
    }
    return -1;
  }

  insert(name: Uint8Array, pid: number): boolean {
    for (let i = this.home(name, pid), n = 0; n < this.capacity; i = (i + 1) % this.capacity, n++) {
      if (this.used[i] === 0) {
        this.used[i] = 1;
        this.pids[i] = pid;
        this.lengths[i] = name.length;
        this.bytes.set(name, i * MAX_NAME_BYTES);
        return true;
      }
    }
    return false;
  }

  pidAt(slot: number): Pid {
    return this.pids[slot]! as Pid;
  }

  nameAt(slot: number): Uint8Array {
    return this.bytes.slice(slot * MAX_NAME_BYTES, slot * MAX_NAME_BYTES + this.lengths[slot]!);
  }

  /** Removes the entry in `slot`, shifting later entries of its probe chain back. */
  remove(slot: number): void {
    let hole = slot;
    for (let i = (slot + 1) % this.capacity; this.used[i] === 1; i = (i + 1) % this.capacity) {
      const home = this.home(this.byName ? this.nameAt(i) : null, this.pids[i]!);
      // Move entry i into the hole unless its home lies cyclically in (hole, i].
      const between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (between) continue;
      this.used[hole] = 1;
      this.pids[hole] = this.pids[i]!;
      this.lengths[hole] = this.lengths[i]!;
      this.bytes.copyWithin(hole * MAX_NAME_BYTES, i * MAX_NAME_BYTES, (i + 1) * MAX_NAME_BYTES);
      hole = i;
    }
    this.used[hole] = 0;
  }

  *slots(): Generator<number> {
    for (let i = 0; i < this.capacity; i++) if (this.used[i] === 1) yield i;
  }

  private matches(slot: number, name: Uint8Array | null, pid: number): boolean {
    if (!this.byName) return this.pids[slot] === pid;
    if (this.lengths[slot] !== name!.length) return false;
    const base = slot * MAX_NAME_BYTES;
    for (let j = 0; j < name!.length; j++) if (this.bytes[base + j] !== name![j]) return false;
    return true;
  }

  private home(name: Uint8Array | null, pid: number): number {
    let h = 0x811c9dc5;
    if (this.byName) {
      for (const b of name!) h = Math.imul(h ^ b, 0x01000193);
    } else {
      h = Math.imul(h ^ (pid % 0x7fffffff), 0x01000193) ^ Math.floor(pid / 0x7fffffff);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    }
    return (h >>> 0) % this.capacity;
  }
}

export class SharedRegistry implements NameRegistry {
  readonly buffer: SharedArrayBuffer;
  private readonly lock: Int32Array;
  private readonly byName: EntryTable;
  private readonly byPid: EntryTable;
  private readonly capacity: number;

  /** A new registry for `maxNames` names, or a view on an existing one's `buffer`. */
  constructor(from: { readonly maxNames: number } | { readonly buffer: SharedArrayBuffer; readonly maxNames: number }) {
    const maxNames = from.maxNames;
    // Half-full tables keep probe chains short.
    this.capacity = maxNames * 2;
    const size = 8 + 2 * EntryTable.bytesFor(this.capacity);
    this.buffer = 'buffer' in from ? from.buffer : new SharedArrayBuffer(size);
    this.lock = new Int32Array(this.buffer, 0, 2);
    this.byName = new EntryTable(this.buffer, 8, this.capacity, true);
    this.byPid = new EntryTable(this.buffer, 8 + EntryTable.bytesFor(this.capacity), this.capacity, false);
    this.maxNames = maxNames;
  }

  readonly maxNames: number;

  register(name: string, pid: Pid): void {
    const key = encodeName(name);
    this.locked(() => {
      if (this.byName.find(key, 0) >= 0) throw new NameTakenError(name);
      const held = this.byPid.find(null, pid);
      if (held >= 0) throw new AlreadyRegisteredError(formatPid(pid), decoder.decode(this.byPid.nameAt(held)));
      if (this.lock[1]! >= this.maxNames) throw new RegistryFullError(this.maxNames);
      this.byName.insert(key, pid);
      this.byPid.insert(key, pid);
      this.lock[1]! += 1;
    });
  }

  unregister(name: string): Pid {
    const key = encodeName(name);
    return this.locked(() => {
      const slot = this.byName.find(key, 0);
      if (slot < 0) throw new NotRegisteredError(name);
      const pid = this.byName.pidAt(slot);
      this.byName.remove(slot);
      this.byPid.remove(this.byPid.find(null, pid));
      this.lock[1]! -= 1;
      return pid;
    });
  }

  whereis(name: string): Pid | undefined {
    const key = encodeName(name);
    return this.locked(() => {
      const slot = this.byName.find(key, 0);
      return slot < 0 ? undefined : this.byName.pidAt(slot);
    });
  }

  nameOf(pid: Pid): string | undefined {
    return this.locked(() => {
      const slot = this.byPid.find(null, pid);
      return slot < 0 ? undefined : decoder.decode(this.byPid.nameAt(slot));
    });
  }

  releasePid(pid: Pid): void {
    this.releaseWhere((p) => p === pid, pid);
  }

  /** Releases every name held by a pid for which `dead` is true (a lost scheduler's). */
  releaseWhere(dead: (pid: Pid) => boolean, only?: Pid): void {
    this.locked(() => {
      const slots = only === undefined ? [...this.byPid.slots()].filter((s) => dead(this.byPid.pidAt(s))) : [this.byPid.find(null, only)];
      const victims = slots.filter((s) => s >= 0).map((s) => ({ pid: this.byPid.pidAt(s), name: this.byPid.nameAt(s) }));
      for (const { pid, name } of victims) {
        this.byPid.remove(this.byPid.find(null, pid));
        this.byName.remove(this.byName.find(name, 0));
        this.lock[1]! -= 1;
      }
    });
  }

  registered(): string[] {
    return this.locked(() => [...this.byName.slots()].map((s) => decoder.decode(this.byName.nameAt(s))));
  }

  private locked<T>(body: () => T): T {
    while (Atomics.compareExchange(this.lock, 0, 0, 1) !== 0) {
      // Held by another thread for a few probes: wait briefly rather than spin.
      Atomics.wait(this.lock, 0, 1, 1);
    }
    try {
      return body();
    } finally {
      Atomics.store(this.lock, 0, 0);
      Atomics.notify(this.lock, 0, 1);
    }
  }
}

function encodeName(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.length > MAX_NAME_BYTES) throw new InvalidNameError(`${name.slice(0, 40)}… (over ${MAX_NAME_BYTES} bytes)`);
  return bytes;
}
