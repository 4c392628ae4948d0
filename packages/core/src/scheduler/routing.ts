/**
 * Routing: where an envelope goes, and what happens to envelopes for
 * processes that do not exist here yet.
 *
 * Contract
 * - An envelope whose target another scheduler owns (the owner is written in
 *   the pid) goes to the router; one for this scheduler is applied here.
 *   Messages take their own path (`routeMessage`), the hot one.
 * - Batches from other schedulers are applied in the order they were sent,
 *   so the order between one pair of processes holds across threads.
 * - A pid another scheduler made for this one is *unborn* until its spawn
 *   arrives (or its module has loaded): what arrives for it meanwhile is
 *   held, then applied in arrival order once it is born. A spawn that
 *   cannot be carried out (its module does not load, its body cannot start)
 *   is a process that died at once: links get an exit, monitors a `DOWN`.
 * - When a scheduler is lost (`lostScheduler`), its processes are dead:
 *   links and monitors here hear so, and envelopes held for spawns it sent
 *   that never arrived are applied to nobody.
 * - An envelope for a pid of another cluster node goes to the router's
 *   `forwardRemote`; without one, or once that node is lost (`lostNode`),
 *   the pid cannot be reached (`unreachable`): a link or monitor answers
 *   `'noconnection'`, anything else is dropped.
 */
import { type Actor, findActor, loadActor } from '../actor.js';
import { type ExitReason, errorReason } from '../exit-reason.js';
import { type Pid, SCHEDULER_SLOTS, allocatorOf, nodeOf, ownerOf, serialOf } from '../pid.js';
import type { Process } from '../process.js';
import type { Batch, Envelope, Router, SpawnEnvelope } from '../signal.js';
import type { Signals } from './signals.js';

/** What routing asks of the rest of the scheduler. */
export interface RoutingHost {
  readonly index: number;
  /** The cluster node of this scheduler (0: none). */
  readonly node: number;
  readonly router: Router | undefined;
  readonly table: Map<Pid, Process>;
  readonly signals: Signals;
  /** Creates a process here; throws if its body cannot start. */
  createLocal(pid: Pid, actor: Actor<readonly unknown[]>, args: readonly unknown[], linkTo: Pid | null, parent: Pid): Process;
}

export class Routing {
  /**
   * Envelopes for processes that other schedulers have spawned here but whose
   * spawn has not arrived yet (or whose module is still loading), in arrival order.
   */
  private readonly unborn = new Map<Pid, Envelope[]>();
  /** Spawns that arrived and wait for their actor's module to load. */
  readonly loading = new Map<Pid, SpawnEnvelope>();
  /** Per allocator: the highest serial of a spawn envelope received from it. */
  private readonly spawnedUpTo = new Array<number>(SCHEDULER_SLOTS).fill(0);
  private stopped = false;

  constructor(
    private readonly host: RoutingHost,
    deadUpTo: readonly number[],
  ) {
    deadUpTo.forEach((serial, allocator) => (this.spawnedUpTo[allocator] = serial));
  }

  /** Applies an envelope here if this scheduler owns its target, or forwards it to the owner. */
  route(envelope: Envelope): void {
    if (nodeOf(envelope.to) !== this.host.node) {
      this.forwardRemote(envelope);
      return;
    }
    const owner = ownerOf(envelope.to);
    if (owner !== this.host.index && this.host.router !== undefined) {
      this.host.router.forward(owner, envelope);
      return;
    }
    this.apply(envelope);
  }

  /** The message case of `route`, kept apart because it is the hot path. */
  routeMessage(to: Pid, message: unknown): void {
    if (nodeOf(to) !== this.host.node) {
      this.forwardRemote({ kind: 'message', to, message });
      return;
    }
    const owner = ownerOf(to);
    if (owner !== this.host.index && this.host.router !== undefined) this.host.router.forwardMessage(owner, to, message);
    else this.applyMessage(to, message);
  }

  /** Takes a batch of envelopes that another scheduler sent here, in the order they were sent. */
  accept(batch: Batch): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      if (typeof item === 'number') {
        i += 1;
        this.applyMessage(item as Pid, batch[i]);
      } else if ((item as Envelope).kind === 'spawn') {
        this.acceptSpawn(item as SpawnEnvelope);
      } else {
        this.apply(item as Envelope);
      }
    }
  }

  /** A spawn for a pid of this scheduler: now if its actor is loaded here, else once its module is. */
  acceptSpawn(spawn: SpawnEnvelope): void {
    const pid = spawn.to;
    const allocator = allocatorOf(pid);
    this.spawnedUpTo[allocator] = Math.max(this.spawnedUpTo[allocator]!, serialOf(pid));
    const early = this.unborn.get(pid) ?? [];
    this.unborn.delete(pid);
    const actor = findActor(spawn.module, spawn.name);
    if (actor !== undefined) {
      this.born(pid, actor, spawn, early);
      return;
    }
    // The module is not loaded in this thread yet: hold what arrives for the pid until it is.
    this.unborn.set(pid, early);
    this.loading.set(pid, spawn);
    loadActor(spawn.module, spawn.name).then(
      (loaded) => {
        const held = this.unborn.get(pid) ?? [];
        this.unborn.delete(pid);
        this.loading.delete(pid);
        if (!this.stopped) this.born(pid, loaded, spawn, held);
      },
      (error: unknown) => {
        const held = this.unborn.get(pid) ?? [];
        this.unborn.delete(pid);
        this.loading.delete(pid);
        this.stillborn(pid, spawn, held, errorReason(error));
      },
    );
  }

  /** Envelopes held for a pid whose module is loading (what `processInfo` shows of it). */
  held(pid: Pid): readonly Envelope[] {
    return this.unborn.get(pid) ?? [];
  }

  /**
   * Scheduler `owner` is gone, with every process it had. Each pid made for
   * it by allocator `a` with a serial up to `deadUpTo[a]` is now dead: local
   * processes linked to one get an exit signal, those monitoring one a
   * `DOWN`, both with `reasonOf(pid)`. Spawns that scheduler sent here and
   * that never arrived (serials up to `deadUpTo[owner]`) are dead too.
   */
  lostScheduler(owner: number, deadUpTo: readonly number[], reasonOf: (pid: Pid) => ExitReason): void {
    const node = this.host.node;
    this.tellLost(
      (pid) => nodeOf(pid) === node && ownerOf(pid) === owner && serialOf(pid) <= (deadUpTo[allocatorOf(pid)] ?? 0),
      reasonOf,
    );
    const orphanedUpTo = deadUpTo[owner] ?? 0;
    this.spawnedUpTo[owner] = Math.max(this.spawnedUpTo[owner]!, orphanedUpTo);
    for (const [pid, held] of [...this.unborn]) {
      if (allocatorOf(pid) !== owner || serialOf(pid) > orphanedUpTo) continue;
      this.unborn.delete(pid);
      for (const envelope of held) this.apply(envelope);
    }
  }

  /** Cluster node `node` is lost with every process it had: links and monitors here get `'noconnection'`. */
  lostNode(node: number): void {
    if (node !== this.host.node) this.tellLost((pid) => nodeOf(pid) === node, () => 'noconnection');
  }

  /**
   * Answers for an envelope whose target's node cannot be reached: a link
   * gets an exit signal and a monitor a `DOWN`, both `'noconnection'`;
   * messages and other signals are dropped, as they are for a dead process.
   */
  unreachable(envelope: Envelope): void {
    if (envelope.kind === 'link') {
      this.route({ kind: 'exit', to: envelope.from, from: envelope.to, reason: 'noconnection', link: true });
    } else if (envelope.kind === 'monitor') {
      this.route({ kind: 'down', to: envelope.from, ref: envelope.ref, pid: envelope.to, reason: 'noconnection' });
    }
  }

  /** Links and monitors here to every pid that `lost` says is gone hear of its end, with `reasonOf(pid)`. */
  private tellLost(lost: (pid: Pid) => boolean, reasonOf: (pid: Pid) => ExitReason): void {
    const signals = this.host.signals;
    for (const p of [...this.host.table.values()]) {
      if (p.monitoredBy !== null) for (const [ref, watcher] of p.monitoredBy) if (lost(watcher)) p.monitoredBy.delete(ref);
      if (p.monitors !== null) {
        for (const [ref, target] of p.monitors) {
          if (lost(target)) signals.signal({ kind: 'down', to: p.pid, ref, pid: target, reason: reasonOf(target) });
        }
      }
      if (p.links !== null) {
        for (const other of [...p.links]) {
          if (lost(other)) signals.signal({ kind: 'exit', to: p.pid, from: other, reason: reasonOf(other), link: true });
        }
      }
    }
  }

  private forwardRemote(envelope: Envelope): void {
    const router = this.host.router;
    if (router?.forwardRemote !== undefined) router.forwardRemote(envelope);
    else this.unreachable(envelope);
  }

  /** Holds nothing more and creates nothing more. */
  stop(): void {
    this.stopped = true;
    this.unborn.clear();
    this.loading.clear();
  }

  private applyMessage(to: Pid, message: unknown): void {
    const target = this.host.table.get(to);
    if (target !== undefined) this.host.signals.deliver(target, message);
    else this.apply({ kind: 'message', to, message });
  }

  private apply(envelope: Envelope): void {
    const to = envelope.to;
    if (!this.host.table.has(to)) {
      const waiting = this.unborn.get(to);
      if (waiting !== undefined) {
        waiting.push(envelope);
        return;
      }
      if (this.isUnborn(to)) {
        this.unborn.set(to, [envelope]);
        return;
      }
    }
    if (envelope.kind === 'message') {
      const target = this.host.table.get(to);
      if (target !== undefined) this.host.signals.deliver(target, envelope.message);
    } else if (envelope.kind !== 'spawn') {
      this.host.signals.signal(envelope);
    }
  }

  /** True for a pid another scheduler made for this one whose spawn has not arrived yet. */
  private isUnborn(pid: Pid): boolean {
    const allocator = allocatorOf(pid);
    return allocator !== this.host.index && ownerOf(pid) === this.host.index && serialOf(pid) > this.spawnedUpTo[allocator]!;
  }

  private born(pid: Pid, actor: Actor<readonly unknown[]>, spawn: SpawnEnvelope, held: readonly Envelope[]): void {
    try {
      this.host.createLocal(pid, actor, spawn.args, spawn.link, spawn.parent);
    } catch (error) {
      this.stillborn(pid, spawn, held, errorReason(error));
      return;
    }
    for (const envelope of held) this.apply(envelope);
  }

  /** A process that could not be created dies at once, as far as anyone can tell. */
  private stillborn(pid: Pid, spawn: SpawnEnvelope, held: readonly Envelope[], reason: ExitReason): void {
    this.host.signals.reportCrash(pid, spawn.name, spawn.module, reason);
    if (spawn.link !== null) this.route({ kind: 'exit', to: spawn.link, from: pid, reason, link: true });
    for (const envelope of held) {
      if (envelope.kind === 'monitor') this.route({ kind: 'down', to: envelope.from, ref: envelope.ref, pid, reason });
      else if (envelope.kind === 'link') this.route({ kind: 'exit', to: envelope.from, from: pid, reason, link: true });
    }
  }
}
