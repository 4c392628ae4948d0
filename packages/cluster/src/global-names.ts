/**
 * Global names: one name → pid table for the whole cluster, in the
 * `<cluster>-names` KV bucket (key `name.<base64url of the name>` →
 * `{ name, pid }`).
 *
 * Contract
 * - `register` is atomic across the cluster (KV `create`): of two nodes
 *   registering one name at once, exactly one gets `true`.
 * - A node registers only its own processes, and watches each one it
 *   named: when it exits, the name is released (deleted at the revision it
 *   wrote, so a later holder of the name is never removed).
 * - When a node is lost, every surviving node releases the names of its
 *   processes (at their revisions; the first to do it wins, the rest fail
 *   harmlessly). A node that stops releases its own.
 * - `whereis` reads the bucket (not a cache): after `register` resolves on
 *   one node, `whereis` on any node sees it.
 * - Back from a NATS outage (`reclaim`), a node registers again the names
 *   the others released while it was away, for processes still alive; a
 *   name another process took meanwhile stays with it, and is reported.
 */
import type { KV } from '@nats-io/kv';
import { type ExitReason, InvalidNameError, InvalidPidError, type Pid, formatPid, isPid } from '@strand/core';
import { nodeOf } from '@strand/core/runtime';
import { ForeignPidError } from './errors.js';

/** Longest global name, in UTF-8 bytes: as long as a local name (@strand/pool's `MAX_NAME_BYTES`), well within a KV key. */
export const MAX_GLOBAL_NAME_BYTES = 120;

interface NameRecord {
  readonly name: string;
  readonly pid: Pid;
}

const keyOf = (name: string): string => `name.${Buffer.from(name, 'utf8').toString('base64url')}`;

export class GlobalNames {
  /** Names this node registered, with their pid and the revision it wrote: released when their process exits or the node stops. */
  private readonly own = new Map<string, { readonly pid: Pid; readonly revision: number }>();
  /** Names whose release failed for want of a connection: released on `reclaim`. */
  private readonly unreleased = new Map<string, number>();

  constructor(
    private readonly kv: KV,
    private readonly node: number,
    private readonly awaitExit: (pid: Pid) => Promise<ExitReason>,
  ) {}

  /** Gives `pid` (a process of this node) the cluster-wide `name`; false if another process holds it. */
  async register(name: string, pid: Pid): Promise<boolean> {
    checkGlobalName(name);
    if (!isPid(pid)) throw new InvalidPidError(pid);
    if (nodeOf(pid) !== this.node) throw new ForeignPidError(formatPid(pid), nodeOf(pid), this.node);
    let revision: number;
    try {
      revision = await this.kv.create(keyOf(name), JSON.stringify({ name, pid } satisfies NameRecord));
    } catch (error) {
      if (isTaken(error)) return false;
      throw error;
    }
    this.hold(name, pid, revision);
    return true;
  }

  /**
   * Gives `name`, held at `revision` by a server that moved here from
   * another node, to `pid` (its successor here): KV `update` at that
   * revision, so false if the name changed meanwhile. This node releases it
   * from then on; the old node's release fails at the old revision, harmlessly.
   */
  async take(name: string, pid: Pid, revision: number): Promise<boolean> {
    let next: number;
    try {
      next = await this.kv.update(keyOf(name), JSON.stringify({ name, pid } satisfies NameRecord), revision);
    } catch (error) {
      if (isTaken(error)) return false;
      throw error;
    }
    this.hold(name, pid, next);
    return true;
  }

  /** The revision this node wrote `name` at, while one of its processes holds it. */
  heldAt(name: string): number | undefined {
    return this.own.get(name)?.revision;
  }

  /** The pid holding `name` anywhere in the cluster, or undefined. */
  async whereis(name: string): Promise<Pid | undefined> {
    checkGlobalName(name);
    const entry = await this.kv.get(keyOf(name));
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<NameRecord>().pid;
  }

  /** Frees `name`, whoever holds it. */
  async unregister(name: string): Promise<void> {
    checkGlobalName(name);
    this.own.delete(name);
    await this.kv.delete(keyOf(name));
  }

  /** Node `node` is lost: the names of its processes are free. */
  async releaseNode(node: number): Promise<void> {
    for await (const key of await this.kv.keys('name.*')) {
      const entry = await this.kv.get(key);
      if (entry === null || entry.operation !== 'PUT' || nodeOf(entry.json<NameRecord>().pid) !== node) continue;
      await this.kv.delete(key, { previousSeq: entry.revision }).catch(() => {});
    }
  }

  /**
   * The node rejoined after an outage: names of its processes that the
   * others released meanwhile are registered again. Returns the names now
   * held by another process (lost to this node).
   */
  async reclaim(): Promise<string[]> {
    for (const [name, revision] of [...this.unreleased]) {
      this.unreleased.delete(name);
      await this.kv.delete(keyOf(name), { previousSeq: revision }).catch(() => {});
    }
    const lost: string[] = [];
    for (const [name, { pid, revision }] of [...this.own]) {
      const entry = await this.kv.get(keyOf(name));
      if (entry !== null && entry.operation === 'PUT' && entry.revision === revision) continue;
      if (entry !== null && entry.operation === 'PUT') {
        this.own.delete(name);
        lost.push(name);
        continue;
      }
      try {
        this.hold(name, pid, await this.kv.create(keyOf(name), JSON.stringify({ name, pid } satisfies NameRecord)));
      } catch (error) {
        if (!isTaken(error)) throw error;
        this.own.delete(name);
        lost.push(name);
      }
    }
    return lost;
  }

  /** This node stops: the names of its processes are free. */
  async releaseOwn(): Promise<void> {
    await Promise.all([...this.own].map(([name, { revision }]) => this.release(name, revision)));
  }

  private hold(name: string, pid: Pid, revision: number): void {
    this.own.set(name, { pid, revision });
    void this.awaitExit(pid).then(() => this.release(name, revision));
  }

  private async release(name: string, revision: number): Promise<void> {
    if (this.own.get(name)?.revision !== revision) return;
    this.own.delete(name);
    await this.kv.delete(keyOf(name), { previousSeq: revision }).catch((error: unknown) => {
      if (!isTaken(error)) this.unreleased.set(name, revision);
    });
  }
}

/** Throws `InvalidNameError` for a name that is not a non-empty string of at most `MAX_GLOBAL_NAME_BYTES`. */
export function checkGlobalName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name, 'utf8') > MAX_GLOBAL_NAME_BYTES) throw new InvalidNameError(name);
}

/** KV `create` on a key that holds a value fails with JetStream's "wrong last sequence". */
function isTaken(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}
