/**
 * A node's cluster options, their defaults and why, and their validation:
 * a bad option throws `InvalidOptionError` naming it before anything connects.
 */
import { InvalidOptionError } from '@strand/core';

/**
 * How often a node says it is alive, in ms. One second keeps the cost at one
 * small JetStream write per node per second and finds a lost node within
 * a few seconds, as Erlang's `net_ticktime` does within a minute.
 */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Heartbeats a node may miss before the others call it lost. Three absorbs
 * one slow write or a busy event loop on a loaded machine without making a
 * lost node wait long for its links and monitors to hear.
 */
export const MISSED_HEARTBEATS = 3;

/** The cluster's name when none is given: it prefixes every subject and bucket. */
export const DEFAULT_CLUSTER = 'strand';

export interface ClusterOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. The server must run JetStream (`nats-server -js`). */
  readonly servers: string | readonly string[];
  /** This node's name, unique among the live nodes of the cluster: letters, digits, `-` and `_`. */
  readonly node: string;
  /** Nodes of one cluster see one another; default `DEFAULT_CLUSTER` ('strand'). Same characters as `node`. */
  readonly cluster?: string;
  /** Default `HEARTBEAT_INTERVAL_MS` (1000). */
  readonly heartbeatMs?: number;
  /** Default `MISSED_HEARTBEATS` (3). */
  readonly missedHeartbeats?: number;
}

export interface ClusterSettings {
  readonly servers: readonly string[];
  readonly node: string;
  readonly cluster: string;
  readonly heartbeatMs: number;
  readonly missedHeartbeats: number;
}

/** Names become parts of NATS subjects and KV bucket names: only these characters are safe in both. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function readClusterOptions(options: ClusterOptions | undefined): ClusterSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('cluster', options, 'an object { servers, node }');
  const servers = typeof options.servers === 'string' ? [options.servers] : options.servers;
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidOptionError('cluster.servers', options.servers, "a NATS URL or a non-empty array of them, e.g. 'nats://127.0.0.1:4222'");
  }
  if (typeof options.node !== 'string' || !NAME.test(options.node)) {
    throw new InvalidOptionError('cluster.node', options.node, 'a name of 1 to 64 letters, digits, - or _');
  }
  const cluster = options.cluster ?? DEFAULT_CLUSTER;
  if (typeof cluster !== 'string' || !NAME.test(cluster)) {
    throw new InvalidOptionError('cluster.cluster', cluster, 'a name of 1 to 64 letters, digits, - or _');
  }
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  if (typeof heartbeatMs !== 'number' || !Number.isFinite(heartbeatMs) || heartbeatMs < 10) {
    throw new InvalidOptionError('cluster.heartbeatMs', heartbeatMs, 'a number of milliseconds, at least 10');
  }
  const missedHeartbeats = options.missedHeartbeats ?? MISSED_HEARTBEATS;
  if (!Number.isInteger(missedHeartbeats) || missedHeartbeats < 1) {
    throw new InvalidOptionError('cluster.missedHeartbeats', missedHeartbeats, 'a positive integer');
  }
  return { servers: [...servers], node: options.node, cluster, heartbeatMs, missedHeartbeats };
}
