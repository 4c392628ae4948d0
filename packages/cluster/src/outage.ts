/**
 * What a node does when it loses its NATS server and gets it back: a NATS
 * outage is a netsplit, and it is answered as Erlang answers one.
 *
 * Contract
 * - Disconnected (the client's `disconnect` status): the node is cut off.
 *   Every other node is lost to it (`'cut-off'`): links and monitors to
 *   their processes end with `'noconnection'` here, as they will there
 *   (membership.ts); envelopes sent to other nodes meanwhile are
 *   unreachable (links and monitors answered `'noconnection'`, messages
 *   dropped and counted). Processes of this node live on.
 * - Reconnected (the client reconnects by itself, to any of `servers`, for
 *   as long as it takes): the node rejoins under its number with a new
 *   incarnation, so the others end their links and monitors to its old
 *   one; it registers again the global names the others released while it
 *   was away; and it reports what was dropped.
 * - A node the others called lost while it stayed connected (its event
 *   loop stalled past the loss window) finds out at its next heartbeat;
 *   it is cut off and rejoins at once, as after an outage.
 * - Each change is told to the listeners given to `ClusterNode.onConnection`,
 *   and written to stderr as one line.
 */
import { randomInt } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { ExpelledError } from './errors.js';
import type { GlobalNames } from './global-names.js';
import type { Membership } from './membership.js';
import type { NatsTransport } from './nats-transport.js';

/** A change of a node's connection to the cluster. */
export type ConnectionEvent =
  /** Cut off: its NATS connection dropped (`'connection'`), or the others called it lost while it was silent (`'called-lost'`). */
  | { readonly type: 'disconnected'; readonly cause: 'connection' | 'called-lost' }
  | {
      readonly type: 'reconnected';
      /** Envelopes (messages and signals) for other nodes dropped while cut off. */
      readonly dropped: number;
      /** Global names of this node's processes that another process took while it was away. */
      readonly namesLost: readonly string[];
    }
  | { readonly type: 'expelled'; readonly error: ExpelledError };

export interface OutageParts {
  readonly nc: NatsConnection;
  readonly membership: Membership;
  readonly transport: NatsTransport;
  readonly names: () => GlobalNames | undefined;
  readonly tell: (event: ConnectionEvent) => void;
  /** How long to wait before trying to rejoin again (a server just restarted may not have JetStream ready). */
  readonly retryMs: number;
}

/** Follows the connection's status until it closes. */
export async function followConnection(parts: OutageParts): Promise<void> {
  let outages = 0;
  const cutOff = (cause: 'connection' | 'called-lost'): void => {
    outages += 1;
    parts.transport.cutOff();
    parts.membership.cutOff();
    parts.tell({ type: 'disconnected', cause });
  };
  parts.membership.calledLost = () => {
    cutOff('called-lost');
    const outage = outages;
    void rejoin(parts, () => outage === outages && !parts.nc.isClosed());
  };
  for await (const status of parts.nc.status()) {
    if (status.type === 'disconnect') {
      cutOff('connection');
    } else if (status.type === 'reconnect') {
      const outage = outages;
      void rejoin(parts, () => outage === outages && !parts.nc.isClosed());
    }
  }
}

/** Rejoins, trying again every `retryMs` while `current()` (no newer outage, not closed) if JetStream is not ready yet. */
async function rejoin(parts: OutageParts, current: () => boolean): Promise<void> {
  for (;;) {
    try {
      await parts.membership.rejoin(randomInt(1, 2 ** 32));
      break;
    } catch (error) {
      if (error instanceof ExpelledError) {
        parts.tell({ type: 'expelled', error });
        return;
      }
      if (!current()) return;
      await new Promise((resolve) => setTimeout(resolve, parts.retryMs));
      if (!current()) return;
    }
  }
  const dropped = parts.transport.reconnected();
  const namesLost = (await parts.names()?.reclaim()) ?? [];
  parts.tell({ type: 'reconnected', dropped, namesLost });
}

/** The stderr line for a connection event. */
export function describeConnectionEvent(node: string, event: ConnectionEvent): string {
  switch (event.type) {
    case 'disconnected':
      return event.cause === 'connection'
        ? `[strand] node ${node} lost its NATS connection: links and monitors to other nodes end with noconnection; reconnecting`
        : `[strand] node ${node} was called lost by the cluster (silent past the loss window): links and monitors to other nodes end with noconnection; rejoining`;
    case 'reconnected':
      return `[strand] node ${node} reconnected and rejoined the cluster; ${event.dropped} envelope(s) for other nodes were dropped while it was cut off${event.namesLost.length === 0 ? '' : `; global names taken by others meanwhile: ${event.namesLost.join(', ')}`}`;
    case 'expelled':
      return `[strand] ${event.error.message}`;
  }
}
