/**
 * The errors @strand/cluster throws for bad configuration and bad use.
 * Each is a `StrandError` with a stable code; none of them leaves the
 * runtime or the cluster in a broken state.
 */
import { StrandError } from '@strand/core';

/** No NATS server answered at the configured address(es). */
export class ClusterUnreachableError extends StrandError {
  constructor(
    readonly servers: readonly string[],
    cause: string,
  ) {
    super(
      'ERR_STRAND_CLUSTER_UNREACHABLE',
      `cannot reach the cluster's NATS server at ${servers.join(', ')}: ${cause}. Start one with JetStream (\`nats-server -js\`) or fix \`cluster.servers\``,
    );
  }
}

/** The NATS server answered but has no JetStream, which node numbers and global names live in. */
export class JetStreamMissingError extends StrandError {
  constructor(servers: readonly string[], cause: string) {
    super('ERR_STRAND_JETSTREAM_MISSING', `the NATS server at ${servers.join(', ')} has no JetStream (${cause}): start it with \`nats-server -js\``);
  }
}

/** Every node number (1 to 255) is held by a live node. */
export class ClusterFullError extends StrandError {
  constructor(cluster: string, slots: number) {
    super('ERR_STRAND_CLUSTER_FULL', `cluster ${JSON.stringify(cluster)} has no free node number: all ${slots} are held by live nodes`);
  }
}

/** Another live node of the cluster has this name. */
export class NodeNameTakenError extends StrandError {
  constructor(cluster: string, name: string, node: number) {
    super('ERR_STRAND_NODE_NAME_TAKEN', `node name ${JSON.stringify(name)} is held by live node ${node} of cluster ${JSON.stringify(cluster)}`);
  }
}

/** `registerGlobal` was given a pid of another node: a node names only its own processes. */
export class ForeignPidError extends StrandError {
  constructor(pid: string, node: number, here: number) {
    super('ERR_STRAND_FOREIGN_PID', `${pid} lives on node ${node}, not on this node (${here}): register it from its own node`);
  }
}

/** Back from a NATS outage, this node found its number held by another node: it stays cut off from the cluster. */
export class ExpelledError extends StrandError {
  constructor(cluster: string, name: string, node: number) {
    super(
      'ERR_STRAND_NODE_EXPELLED',
      `node ${JSON.stringify(name)} of cluster ${JSON.stringify(cluster)} was disconnected long enough for another node to take its number (${node}): it stays cut off; restart it to join again`,
    );
  }
}

/** `spawnOn` named a node that is not a live member of the cluster. */
export class UnknownNodeError extends StrandError {
  constructor(readonly node: number | string) {
    super('ERR_STRAND_UNKNOWN_NODE', `no live node ${JSON.stringify(node)} in the cluster: see node.nodes()`);
  }
}

/** `spawnOn` could not have a process started on that node: it did not answer, or it is stopping. */
export class RemoteSpawnError extends StrandError {
  constructor(
    readonly node: number,
    reason: string,
  ) {
    super('ERR_STRAND_REMOTE_SPAWN', `could not spawn on node ${node}: ${reason}`);
  }
}
