/**
 * @strand/cluster: Strand runtimes on several machines (nodes), joined over
 * NATS. See the package README for the contract.
 */
export { Cluster, ClusterNode, REMOTE_SPAWN_TIMEOUT_MS, type NodeOptions } from './cluster-node.js';
export { DEFAULT_CLUSTER, HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS, type ClusterOptions } from './options.js';
export { CONNECT_TIMEOUT_MS } from './connection.js';
export { FRAME_LIMIT_BYTES } from './wire.js';
export { MAX_GLOBAL_NAME_BYTES } from './global-names.js';
export type { NodeInfo } from './membership.js';
export { GlobalNameRequestError, registerGlobal, sendGlobal, unregisterGlobal, whereisGlobal } from './process-names.js';
export { GLOBAL_NAMES_SERVICE } from './names-service.js';
export { ClusterFullError, ClusterUnreachableError, ExpelledError, ForeignPidError, JetStreamMissingError, NodeNameTakenError, RemoteSpawnError, UnknownNodeError } from './errors.js';
export type { ConnectionEvent } from './outage.js';
