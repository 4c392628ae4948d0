/**
 * Membership: which nodes are in the cluster, which number each holds, and
 * which are lost. It lives in the `<cluster>-nodes` KV bucket, one key per
 * node number (`node.<n>` → `{ name, incarnation }`).
 *
 * Contract
 * - Joining claims the lowest free number atomically: `create` on its key,
 *   which fails if another node holds it. A key whose holder stopped
 *   heartbeating a loss window ago (a node killed with no live peer to
 *   clear it) is taken over with `update` at its revision, which fails if
 *   that holder wrote in between. The name must not be held by a live node.
 * - A node heartbeats by rewriting its key every `heartbeatMs` (at its
 *   revision: if that fails, the others called it lost, and it rejoins as
 *   after an outage, below).
 * - Every node watches the bucket. A node whose key has not changed for
 *   `heartbeatMs × missedHeartbeats`, or whose key was deleted (it left),
 *   is lost: `onLost` runs once for it, and its key is deleted (at the
 *   revision seen, so a newer holder is never removed). A lost node stays
 *   lost until its number is claimed by a new incarnation.
 * - A node is only judged by a round of checks that itself ran on time: a
 *   stalled event loop here is not taken for silence there.
 * - A node addressed before it was ever seen (`expect`) is given one loss
 *   window to show up, so links and monitors to a node that never existed
 *   end with `'noconnection'` rather than waiting forever.
 * - A node seen with a new incarnation under a number it already held (it
 *   rejoined after losing its connection) is lost in its old incarnation
 *   first: what was linked to it hears `'noconnection'` on both sides.
 * - Cut off from NATS (`cutOff`), a node loses every other node, keeps their
 *   global names, and stops heartbeating and judging. `rejoin` (connected
 *   again) rewrites its key with a new incarnation, at the revision it
 *   wrote, or creates it again if the others deleted it; if another node
 *   took its number meanwhile, it stays cut off (`ExpelledError`). A node
 *   lost by the cut is back once it writes its key after the rejoin: then
 *   it is connected, and subscribed, again.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { NODE_SLOTS } from '@strand/core/runtime';
import { ClusterFullError, ExpelledError, NodeNameTakenError } from './errors.js';
import type { ClusterSettings } from './options.js';

interface NodeRecord {
  readonly name: string;
  readonly incarnation: number;
}

/** Why a node is lost to this one: `'silent'` (no heartbeat), `'left'` (its key deleted), `'cut-off'` (this node lost NATS), `'rejoined'` (a new incarnation). */
export type LossCause = 'silent' | 'left' | 'cut-off' | 'rejoined';

interface Peer {
  /** Undefined while only expected (addressed, never seen). */
  record: NodeRecord | undefined;
  revision: number | undefined;
  lastSeen: number;
  lost: boolean;
  /** Lost because this node was cut off: back when it writes its key after this node rejoined. */
  cutOff?: boolean;
}

/** A live member as `ClusterNode.nodes()` shows it. */
export interface NodeInfo {
  readonly node: number;
  readonly name: string;
}

const keyOf = (node: number): string => `node.${node}`;

export class Membership {
  private readonly peers = new Map<number, Peer>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private beating = false;
  private lastCheck = Date.now();
  private watching: { stop(): void } | undefined;
  private left = false;
  /** Set once another node holds this node's number: it no longer heartbeats. */
  private expelled = false;
  /** Set while this node is disconnected from NATS (`cutOff` to `rejoin`). */
  private cut = false;
  /** The bucket revision this node's key got at its last rejoin: later writes were made by connected nodes. */
  private rejoinedAt = 0;

  private constructor(
    private readonly kv: KV,
    private readonly settings: ClusterSettings,
    readonly node: number,
    /** Changes when the node rejoins: frames carry it, so the others tell the incarnations apart. */
    private incarnation_: number,
    private revision: number,
  ) {}

  get incarnation(): number {
    return this.incarnation_;
  }

  /** Claims a node number for `settings.node` (see the contract). */
  static async join(kv: KV, settings: ClusterSettings, incarnation: number): Promise<Membership> {
    const window = settings.heartbeatMs * settings.missedHeartbeats;
    const entries = new Map<number, KvEntry>();
    for await (const key of await kv.keys('node.*')) {
      const entry = await kv.get(key);
      if (entry !== null && entry.operation === 'PUT') entries.set(Number(key.slice('node.'.length)), entry);
    }
    const live = (entry: KvEntry): boolean => Date.now() - entry.created.getTime() <= window;
    for (const [node, entry] of entries) {
      if (live(entry) && entry.json<NodeRecord>().name === settings.node) throw new NodeNameTakenError(settings.cluster, settings.node, node);
    }
    const value = JSON.stringify({ name: settings.node, incarnation } satisfies NodeRecord);
    for (let node = 1; node < NODE_SLOTS; node++) {
      const entry = entries.get(node);
      if (entry !== undefined && live(entry)) continue;
      try {
        const revision = entry === undefined ? await kv.create(keyOf(node), value) : await kv.update(keyOf(node), value, entry.revision);
        return new Membership(kv, settings, node, incarnation, revision);
      } catch {
        // Another node claimed it first: try the next number.
      }
    }
    throw new ClusterFullError(settings.cluster, NODE_SLOTS - 1);
  }

  /** Starts heartbeating and watching the other nodes; `onLost` runs once per lost node. */
  async start(onLost: (node: number, cause: LossCause) => void): Promise<void> {
    this.onLost = onLost;
    const updates = await this.kv.watch({ key: 'node.*' });
    this.watching = updates;
    void (async () => {
      for await (const entry of updates) this.seen(entry);
    })();
    this.lastCheck = Date.now();
    this.heartbeat = setInterval(() => {
      this.beat();
      this.check();
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  /** True for a node called lost (and not claimed again since). */
  isLost(node: number): boolean {
    return this.peers.get(node)?.lost === true;
  }

  /** True when a frame from `node`'s `incarnation` must be dropped: that incarnation is lost. */
  isLostIncarnation(node: number, incarnation: number): boolean {
    const peer = this.peers.get(node);
    return peer !== undefined && peer.lost && (peer.record === undefined || peer.record.incarnation === incarnation);
  }

  /** `node` is addressed: if it was never seen, it has one loss window to show up. */
  expect(node: number): void {
    if (node !== this.node && !this.peers.has(node)) this.peers.set(node, { record: undefined, revision: undefined, lastSeen: Date.now(), lost: false });
  }

  /** The live nodes, this one included. */
  members(): NodeInfo[] {
    const others = [...this.peers].filter(([, p]) => !p.lost && p.record !== undefined).map(([node, p]) => ({ node, name: p.record!.name }));
    return [{ node: this.node, name: this.settings.node }, ...others].sort((a, b) => a.node - b.node);
  }

  /** This node lost its connection to NATS: every other node is lost to it (`'cut-off'`), until `rejoin`. */
  cutOff(): void {
    if (this.cut || this.left) return;
    this.cut = true;
    for (const [node, peer] of this.peers) {
      if (peer.lost) continue;
      peer.cutOff = true;
      this.lose(node, peer, 'cut-off');
    }
  }

  /**
   * Connected again: claims this node's number with a new incarnation and
   * reads the live nodes afresh. Throws `ExpelledError` if another node
   * holds the number now; the node then stays cut off.
   */
  async rejoin(incarnation: number): Promise<void> {
    if (!this.cut || this.left) return;
    const value = JSON.stringify({ name: this.settings.node, incarnation } satisfies NodeRecord);
    let revision: number;
    try {
      revision = await this.kv.update(keyOf(this.node), value, this.revision);
    } catch (error) {
      if (!isWrongSequence(error)) throw error;
      // The others deleted the key (they called this node lost): create it again, unless someone took the number.
      try {
        revision = await this.kv.create(keyOf(this.node), value);
      } catch (error) {
        if (!isWrongSequence(error)) throw error;
        this.expelled = true;
        throw new ExpelledError(this.settings.cluster, this.settings.node, this.node);
      }
    }
    this.revision = revision;
    this.rejoinedAt = revision;
    this.incarnation_ = incarnation;
    this.expelled = false;
    this.lastCheck = Date.now();
    this.cut = false;
  }

  /** Stops heartbeating and watching, and frees the number (the others see the node leave). */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    clearInterval(this.heartbeat);
    this.watching?.stop();
    if (!this.cut) await this.kv.delete(keyOf(this.node), { previousSeq: this.revision }).catch(() => {});
  }

  private onLost: (node: number, cause: LossCause) => void = () => {};

  /** Called when a heartbeat finds that the others called this node lost: outage.ts cuts it off and rejoins. */
  calledLost: () => void = () => {};

  private seen(entry: KvEntry): void {
    const node = Number(entry.key.slice('node.'.length));
    if (node === this.node || !Number.isInteger(node)) return;
    const peer = this.peers.get(node);
    if (this.cut) return;
    if (entry.operation !== 'PUT') {
      if (peer !== undefined && !peer.lost) this.lose(node, peer, 'left');
      return;
    }
    const record = entry.json<NodeRecord>();
    if (peer === undefined || peer.record === undefined || peer.record.incarnation !== record.incarnation) {
      if (peer?.record !== undefined && !peer.lost) this.lose(node, peer, 'rejoined');
      this.peers.set(node, { record, revision: entry.revision, lastSeen: Date.now(), lost: false });
      return;
    }
    if (peer.lost) {
      if (peer.cutOff !== true || entry.revision <= this.rejoinedAt) return;
      peer.lost = false;
      peer.cutOff = false;
    }
    peer.record = record;
    peer.revision = entry.revision;
    peer.lastSeen = Date.now();
  }

  private beat(): void {
    if (this.beating || this.left || this.expelled || this.cut) return;
    this.beating = true;
    const value = JSON.stringify({ name: this.settings.node, incarnation: this.incarnation } satisfies NodeRecord);
    this.kv
      .update(keyOf(this.node), value, this.revision)
      .then((revision) => (this.revision = revision))
      .catch((error: unknown) => {
        if (this.left || this.expelled || this.cut) return;
        // Our key moved on without us: the others called this node lost (it was silent too long, connected or not).
        if (isWrongSequence(error)) this.calledLost();
        else process.stderr.write(`[strand] node ${this.settings.node} (${this.node}) could not heartbeat: ${error instanceof Error ? error.message : String(error)}\n`);
      })
      .finally(() => (this.beating = false));
  }

  private check(): void {
    if (this.cut) return;
    const now = Date.now();
    const stalled = now - this.lastCheck > 2 * this.settings.heartbeatMs;
    this.lastCheck = now;
    const window = this.settings.heartbeatMs * this.settings.missedHeartbeats;
    for (const [node, peer] of this.peers) {
      if (peer.lost) continue;
      // After a stall here, what arrived meanwhile may not be read yet: start the window again.
      if (stalled) peer.lastSeen = now;
      else if (now - peer.lastSeen > window) this.lose(node, peer, 'silent');
    }
  }

  private lose(node: number, peer: Peer, cause: LossCause): void {
    peer.lost = true;
    if (cause === 'silent' && peer.revision !== undefined) void this.kv.delete(keyOf(node), { previousSeq: peer.revision }).catch(() => {});
    this.onLost(node, cause);
  }
}

/** A KV write at a revision that is no longer the key's, or a create of a key that exists. */
function isWrongSequence(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}
