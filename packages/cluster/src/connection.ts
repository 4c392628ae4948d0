/**
 * The connection to the cluster's NATS server and its two JetStream KV
 * buckets: `<cluster>-nodes` (node numbers and heartbeats, membership.ts)
 * and `<cluster>-names` (global names, global-names.ts).
 *
 * Contract: `openCluster` resolves with a live connection and both buckets,
 * or throws `ClusterUnreachableError` (no server at those URLs) or
 * `JetStreamMissingError` (a server without `-js`), closing what it opened.
 */
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { type KV, Kvm } from '@nats-io/kv';
import { ClusterUnreachableError, JetStreamMissingError } from './errors.js';
import type { ClusterSettings } from './options.js';

/**
 * How long a first connection may take, in ms. A server on the same network
 * answers in milliseconds; five seconds leaves room for a loaded machine and
 * still tells a misconfigured node quickly that nothing is there.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Reconnect attempts after a lost connection: no limit. The connection is
 * the node's only way to the cluster; while it is down the node is cut off
 * (outage.ts), and it rejoins whenever a server answers again.
 */
const RECONNECT_FOREVER = -1;

export interface ClusterConnection {
  readonly nc: NatsConnection;
  readonly nodes: KV;
  readonly names: KV;
}

export async function openCluster(settings: ClusterSettings): Promise<ClusterConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: [...settings.servers], name: `strand-${settings.cluster}-${settings.node}`, timeout: CONNECT_TIMEOUT_MS, maxReconnectAttempts: RECONNECT_FOREVER });
  } catch (error) {
    throw new ClusterUnreachableError(settings.servers, describe(error));
  }
  try {
    const kvm = new Kvm(nc);
    const nodes = await kvm.create(`${settings.cluster}-nodes`, { history: 1 });
    const names = await kvm.create(`${settings.cluster}-names`, { history: 1 });
    return { nc, nodes, names };
  } catch (error) {
    await nc.close();
    throw new JetStreamMissingError(settings.servers, describe(error));
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
