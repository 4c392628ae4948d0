/**
 * The movable servers of this node: otp `Server`s started under a global
 * name by `node.startMovable`, or moved here from a node that left. This
 * node hands them to others when it stops gracefully (handoff.ts).
 *
 * Contract
 * - `start` starts nothing when the name is held: it answers the holder.
 *   Of two nodes racing to start one name, one server keeps it (KV
 *   `create`); the other node's server, which ran `init` already, is ended
 *   with `'shutdown'` and that node answers the winner.
 * - A server counts as started once its `init` (or `resume`) returned: a
 *   failed `init` rejects with otp's `StartError`, as `startLink` does.
 *   `init` answering `'ignore'` is refused the same way (reason
 *   `{ shutdown: 'ignore' }`): a movable server must run.
 * - A server leaves this list when it exits or moves away.
 */
import { type Actor, type ActorRef, InvalidActorError, type Pid, isDownMessage, makeRef, refOf } from '@strand/core';
import { loadActor } from '@strand/core/runtime';
import { type Resume, type ServerDef, type ServerPid, type StartAck, StartError, type StartInfo } from '@strand/otp';
import type { Runtime } from '@strand/pool';
import { type GlobalNames, checkGlobalName } from './global-names.js';

/** A movable server as this node knows it: which actor it runs and the global name it holds. */
export interface Movable {
  readonly pid: Pid;
  readonly actor: ActorRef;
  readonly name: string;
}

export class MovableServers {
  private readonly live = new Map<Pid, Movable>();

  constructor(
    private readonly runtime: Runtime,
    private readonly names: GlobalNames,
  ) {}

  /** Starts `def(...args)` here under global `name`, unless a process holds it (see the contract). */
  async start<A extends readonly unknown[], Call, Reply, Cast>(
    def: ServerDef<A, Call, Reply, Cast>,
    args: A,
    name: string,
  ): Promise<{ pid: ServerPid<Call, Reply, Cast>; registered: boolean }> {
    checkGlobalName(name);
    if (typeof def !== 'object' || def === null || def.behaviour !== 'server') {
      throw new InvalidActorError(`startMovable: ${String(def)} is not a Server definition (made with server() from @strand/otp)`);
    }
    let started: Pid | undefined;
    try {
      for (;;) {
        const holder = await this.names.whereis(name);
        if (holder !== undefined) {
          if (started !== undefined) this.runtime.exit(started, 'shutdown');
          return { pid: holder as ServerPid<Call, Reply, Cast>, registered: false };
        }
        started ??= await this.spawnServer(def.actor as unknown as Actor<readonly unknown[]>, {}, args);
        if (await this.names.register(name, started)) {
          this.track({ pid: started, actor: refOf(def.actor), name });
          return { pid: started as ServerPid<Call, Reply, Cast>, registered: true };
        }
      }
    } catch (error) {
      // NATS failed under us: a server started here without its name would be reachable by nobody.
      if (started !== undefined) this.runtime.exit(started, 'shutdown');
      throw error;
    }
  }

  /**
   * Starts the server `actor` from what a server of another node carried,
   * and takes over its global `name` (held at `revision`). Rejects if it
   * cannot start, or if the name changed meanwhile (the server started here
   * is then killed: the old one still has the state).
   */
  async resume(actor: ActorRef, carried: unknown, name: string, revision: number): Promise<Pid> {
    const definition = await loadActor(actor.module, actor.name);
    const pid = await this.spawnServer(definition, { resume: { carried } }, []);
    let taken = false;
    try {
      taken = await this.names.take(name, pid, revision);
    } finally {
      if (!taken) this.runtime.exit(pid, 'kill');
    }
    if (!taken) throw new Error(`global name ${JSON.stringify(name)} changed while its server moved`);
    this.track({ pid, actor, name });
    return pid;
  }

  /** The movable servers running here now. */
  list(): Movable[] {
    return [...this.live.values()];
  }

  get count(): number {
    return this.live.size;
  }

  /** `pid` moved to another node: it is no longer this node's to hand over. */
  moved(pid: Pid): void {
    this.live.delete(pid);
  }

  private track(movable: Movable): void {
    this.live.set(movable.pid, movable);
    void this.runtime.awaitExit(movable.pid).then(() => this.live.delete(movable.pid));
  }

  /** Spawns a server from plain code and waits for its `init` (or `resume`), as `startLink` does. */
  private async spawnServer(actor: Actor<readonly unknown[]>, extra: { resume?: Resume }, args: readonly unknown[]): Promise<Pid> {
    const inbox = this.runtime.inbox();
    try {
      const ref = makeRef();
      const info: StartInfo = { ref, to: inbox.pid, ...extra };
      const pid = this.runtime.spawn(actor, info, ...args);
      const watch = inbox.monitor(pid);
      const ack = await inbox.receive(
        (m: unknown) =>
          (typeof m === 'object' && m !== null && (m as StartAck).type === '$started' && (m as StartAck).ref === ref) ||
          (isDownMessage(m) && m.ref === watch),
      );
      if (isDownMessage(ack)) throw new StartError(ack.reason);
      const started = ack as StartAck;
      if (started.outcome === 'error') throw new StartError(started.reason);
      if (started.outcome === 'ignore') throw new StartError({ shutdown: 'ignore' });
      return pid;
    } finally {
      // Closing the inbox ends its monitor with it.
      inbox.close();
    }
  }
}
