/**
 * A cluster node: a Strand runtime (@strand/pool) whose pids name their
 * node, joined to the other nodes of its cluster over NATS.
 *
 * `Cluster.start({ cluster: { servers, node }, ...StrandOptions })` connects
 * to NATS, claims a node number (membership.ts), and starts the runtime
 * with the transport as its `remote` hook (nats-transport.ts), so `send`,
 * `link`, `monitor` and `exit` reach processes of other nodes as they reach
 * those of other threads. Global names are in global-names.ts.
 *
 * In the runtime's own threads (which import the program's module to find
 * its actors) `Cluster.start` never resolves, like `Strand.start`, and
 * connects to nothing: the transport is started by the runtime in the main
 * thread only.
 */
import { randomInt } from 'node:crypto';
import { type Actor, NotRegisteredError, type Pid } from '@strand/core';
import { assertCloneable } from '@strand/core/runtime';
import type { ServerDef, ServerPid } from '@strand/otp';
import { type Runtime, Strand, type StrandOptions } from '@strand/pool';
import { type ClusterConnection, openCluster } from './connection.js';
import { GlobalNames } from './global-names.js';
import { handOffAll } from './handoff.js';
import { NodeService, askNode } from './node-service.js';
import { RemoteSpawnError, UnknownNodeError } from './errors.js';
import { type LossCause, Membership, type NodeInfo } from './membership.js';
import { GLOBAL_NAMES_SERVICE, serveGlobalNames } from './names-service.js';
import { MovableServers } from './movable-servers.js';
import { NatsTransport } from './nats-transport.js';
import { type ConnectionEvent, describeConnectionEvent, followConnection } from './outage.js';
import { type ClusterOptions, type ClusterSettings, readClusterOptions } from './options.js';

/** How long `spawnOn` waits for the other node to answer, in ms: a node on the same NATS answers in a millisecond; this leaves room for a loaded one. */
export const REMOTE_SPAWN_TIMEOUT_MS = 10_000;

export interface NodeOptions extends Omit<StrandOptions, 'remote'> {
  readonly cluster: ClusterOptions;
}

/** What the runtime's `remote` hook opened, in the main thread. */
interface Joined {
  readonly connection: ClusterConnection;
  readonly membership: Membership;
  readonly transport: NatsTransport;
  names: GlobalNames | undefined;
}

export class ClusterNode {
  /** This node's number in the cluster (1 to 255), written into every pid of its runtime. */
  readonly node: number;
  private readonly listeners: ((event: ConnectionEvent) => void)[] = [];

  private constructor(
    /** The node's runtime: spawn, send, link, monitor, inboxes, as with `Strand.start`. */
    readonly runtime: Runtime,
    private readonly joined: Joined,
    private readonly names: GlobalNames,
    private readonly settings: ClusterSettings,
  ) {
    this.node = joined.membership.node;
    this.movables = new MovableServers(runtime, names);
    this.service = new NodeService(joined.connection.nc, settings.cluster, this.node, this.movables, runtime);
  }

  private readonly movables: MovableServers;
  private readonly service: NodeService;
  private stopping: Promise<void> | undefined;

  /**
   * Joins the cluster and starts the runtime. Throws `ClusterUnreachableError`
   * (naming the URL) when no NATS server answers, `JetStreamMissingError`,
   * `NodeNameTakenError`, `ClusterFullError`, or `InvalidOptionError` for bad options.
   */
  static async start(options: NodeOptions): Promise<ClusterNode> {
    const { cluster, ...strand } = options;
    let settings: ClusterSettings | undefined;
    let joined: Joined | undefined;
    // Read in the main thread only (the factory): in the runtime's threads the program stops at Strand.start.
    const runtime = await Strand.start({
      ...strand,
      remote: async () => {
        settings = readClusterOptions(cluster);
        joined = await join(settings);
        return joined.transport;
      },
    });
    const names = new GlobalNames(joined!.connection.names, joined!.membership.node, (pid) => runtime.awaitExit(pid));
    joined!.names = names;
    const service = runtime.inbox();
    runtime.register(GLOBAL_NAMES_SERVICE, service.pid);
    void serveGlobalNames(service, names, (to, answer) => runtime.send(to, answer));
    const node = new ClusterNode(runtime, joined!, names, settings!);
    try {
      await joined!.membership.start((lost, cause) => node.nodeLost(lost, cause));
      void followConnection({
        nc: joined!.connection.nc,
        membership: joined!.membership,
        transport: joined!.transport,
        names: () => joined!.names,
        tell: (event) => node.tell(event),
        retryMs: settings!.heartbeatMs,
      });
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    return node;
  }

  /** This node's name. */
  get name(): string {
    return this.settings.node;
  }

  /** The live nodes of the cluster, this one included, by number. */
  nodes(): NodeInfo[] {
    return this.joined.membership.members();
  }

  /**
   * Starts `actor(...args)` on another node (by number or name; this one
   * too) and resolves with its pid, as Erlang's `spawn(Node, …)`. The
   * arguments travel as a message does (`UncloneableError` if they cannot);
   * the same program must define the actor there. Throws `UnknownNodeError`
   * for a node that is not a live member, `RemoteSpawnError` if it does not
   * answer within `REMOTE_SPAWN_TIMEOUT_MS` or is stopping.
   */
  async spawnOn<A extends readonly unknown[], M = any>(node: number | string, actor: Actor<A, M>, ...args: A): Promise<Pid<M>> {
    const target = this.nodes().find((n) => n.node === node || n.name === node);
    if (target === undefined) throw new UnknownNodeError(node);
    if (target.node === this.node) return this.runtime.spawn(actor, ...args);
    assertCloneable(args, 'spawn arguments');
    const request = { op: 'spawn', actor: { module: actor.module, name: actor.name }, args } as const;
    const reply = await askNode(this.joined.connection.nc, this.settings.cluster, target.node, request, REMOTE_SPAWN_TIMEOUT_MS);
    if ('pid' in reply) return reply.pid as Pid<M>;
    throw new RemoteSpawnError(target.node, 'refused' in reply ? reply.refused : 'error' in reply ? reply.error : 'an unexpected answer');
  }

  /**
   * Gives `pid`, a process of this node, the cluster-wide `name`. Resolves
   * true, or false if another process already holds it (atomic: of two
   * nodes racing for a name, exactly one wins). The name is released when
   * the process exits, when this node stops, or when it is lost.
   */
  registerGlobal(name: string, pid: Pid): Promise<boolean> {
    return this.names.register(name, pid);
  }

  /** The pid that holds `name` in the cluster, or undefined. */
  whereisGlobal(name: string): Promise<Pid | undefined> {
    return this.names.whereis(name);
  }

  unregisterGlobal(name: string): Promise<void> {
    return this.names.unregister(name);
  }

  /** Sends `message` to the process holding `name` anywhere in the cluster; `NotRegisteredError` if none does. */
  async sendGlobal<M = unknown>(name: string, message: M): Promise<void> {
    const pid = await this.names.whereis(name);
    if (pid === undefined) throw new NotRegisteredError(name);
    this.runtime.send(pid, message);
  }

  /**
   * Calls `listener` on each change of this node's connection to the
   * cluster (see outage.ts): `disconnected`, `reconnected` with what was
   * dropped meanwhile, `expelled`. Each is also written to stderr.
   */
  onConnection(listener: (event: ConnectionEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Starts the otp Server `def(...args)` on this node under the global
   * `name`, as a movable server: when this node stops gracefully it moves,
   * with its state and its name, to another live node (handoff.ts). If a
   * process holds `name` already, nothing starts and the answer is that
   * holder with `registered: false`; of two nodes racing for a name, one
   * server keeps it. Rejects with otp's `StartError` if `init` fails.
   */
  startMovable<A extends readonly unknown[], Call, Reply, Cast>(
    def: ServerDef<A, Call, Reply, Cast>,
    args: A,
    options: { readonly name: string },
  ): Promise<{ pid: ServerPid<Call, Reply, Cast>; registered: boolean }> {
    return this.movables.start(def, args, options.name);
  }

  /**
   * Leaves the cluster: first the movable servers move to other live nodes
   * (handoff.ts), then every process ends (`'shutdown'`), this node's
   * global names are released, the connection drains.
   */
  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }

  private async leave(): Promise<void> {
    this.service.refuse();
    const others = this.nodes()
      .map((n) => n.node)
      .filter((n) => n !== this.node);
    await handOffAll({ nc: this.joined.connection.nc, cluster: this.settings.cluster, runtime: this.runtime, names: this.names, movables: this.movables, others, node: this.name }).catch(
      (error: unknown) => process.stderr.write(`[strand] node ${this.name}: handoff failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
    await this.runtime.stop();
  }

  private tell(event: ConnectionEvent): void {
    process.stderr.write(`${describeConnectionEvent(this.settings.node, event)}\n`);
    for (const listener of this.listeners) listener(event);
  }

  private nodeLost(node: number, cause: LossCause): void {
    // A node lost to a cut here, or back in a new incarnation, still holds its names.
    const release = cause === 'silent' || cause === 'left' ? this.names.releaseNode(node) : undefined;
    Promise.all([this.joined.transport.lost(node), release]).catch((error: unknown) => {
      process.stderr.write(`[strand] while node ${node} was being let go: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  }
}

/** The public entry point: `const node = await Cluster.start({ cluster: { servers, node: 'a' } })`. */
export const Cluster = {
  start: (options: NodeOptions): Promise<ClusterNode> => ClusterNode.start(options),
};

async function join(settings: ClusterSettings): Promise<Joined> {
  const connection = await openCluster(settings);
  try {
    const membership = await Membership.join(connection.nodes, settings, randomInt(1, 2 ** 32));
    const joined: Joined = {
      connection,
      membership,
      names: undefined,
      transport: new NatsTransport(connection.nc, settings.cluster, membership, async () => {
        await joined.names?.releaseOwn();
      }),
    };
    return joined;
  } catch (error) {
    await connection.nc.close();
    throw error;
  }
}
