/**
 * Carries envelopes between nodes over NATS: the `RemoteNodes` a node's
 * runtime is started with (@strand/pool's `remote` option).
 *
 * Contract
 * - Each node subscribes to one subject, `strand.<cluster>.node.<n>`.
 * - Envelopes for one node wait here until the current task ends and
 *   leave as frames (wire.ts), published in the order they
 *   were handed over, on the node's one connection: NATS keeps one
 *   publisher's messages on one subject in order, so every pair of
 *   processes stays in order across nodes, messages and signals alike.
 * - An envelope for a node that is lost is answered by the runtime as
 *   unreachable (links and monitors: `'noconnection'`); one for a node
 *   never seen is sent, and that node has one loss window to show up.
 * - Frames from a lost incarnation are dropped: once links and monitors
 *   have heard `'noconnection'`, nothing more arrives from those processes.
 * - While the node is cut off from NATS (`cutOff` to `reconnected`, see
 *   outage.ts), every envelope for another node is unreachable: links and
 *   monitors are answered `'noconnection'`, the rest is dropped and
 *   counted, and the count is reported when the connection is back.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Pid } from '@strand/core';
import { nodeOf } from '@strand/core/runtime';
import type { RemoteHost, RemoteNodes } from '@strand/pool';
import type { Membership } from './membership.js';
import { FRAME_OVERHEAD_BYTES, type FrameItem, decodeFrame, encodeFrames } from './wire.js';

/** nats-server's default `max_payload`, for a connection that has not said its own. */
const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export const subjectOf = (cluster: string, node: number): string => `strand.${cluster}.node.${node}`;

export class NatsTransport implements RemoteNodes {
  private host: RemoteHost | undefined;
  private subscription: Subscription | undefined;
  /** Per destination node: encoded envelopes waiting for the end of this event-loop iteration. */
  private readonly outbound = new Map<number, FrameItem[]>();
  private flushQueued = false;
  private closed = false;
  private cut = false;
  /** Envelopes for other nodes dropped while cut off, since the last `reconnected`. */
  private dropped = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly cluster: string,
    private readonly membership: Membership,
    /** Runs before the connection drains on close (global names of this node are released there). */
    private readonly beforeClose: () => Promise<void>,
  ) {}

  get node(): number {
    return this.membership.node;
  }

  /** The largest envelope one frame carries: the server's `max_payload` less the frame's own bytes. */
  get maxEnvelopeBytes(): number {
    return (this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES) - FRAME_OVERHEAD_BYTES;
  }

  attach(host: RemoteHost): void {
    this.host = host;
    this.subscription = this.nc.subscribe(subjectOf(this.cluster, this.node), {
      callback: (error, msg) => {
        if (error === null) this.receive(msg.data);
      },
    });
  }

  send(to: Pid, encoded: Uint8Array): void {
    const node = nodeOf(to);
    let waiting = this.outbound.get(node);
    if (waiting === undefined) this.outbound.set(node, (waiting = []));
    waiting.push({ to, encoded });
    if (!this.flushQueued) {
      this.flushQueued = true;
      // At the end of this task, as the NATS client writes its buffer: what one turn or one batch from a thread sent travels together.
      queueMicrotask(this.flush);
    }
  }

  /** Node `node` is lost: the runtime's links and monitors to it end, and nothing waits for it here. */
  async lost(node: number): Promise<void> {
    const waiting = this.outbound.get(node);
    this.outbound.delete(node);
    if (waiting !== undefined) for (const item of waiting) this.host?.unreachable(item.encoded);
    await this.host?.lostNode(node);
  }

  /** The connection to NATS is down: from now on, until `reconnected`, nothing leaves for other nodes. */
  cutOff(): void {
    this.flush();
    this.cut = true;
  }

  /** The connection is back (and the node rejoined): envelopes leave again. Returns how many were dropped meanwhile. */
  reconnected(): number {
    this.cut = false;
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.cut) {
      // Nothing can reach the cluster: the others will find this node silent, lose it and release its names.
      this.closed = true;
      await this.membership.leave();
      await this.nc.close().catch(() => {});
      return;
    }
    this.flush();
    await this.beforeClose();
    this.closed = true;
    await this.membership.leave();
    await this.subscription?.drain().catch(() => {});
    await this.nc.drain().catch(() => {});
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.closed) return;
    for (const [node, items] of this.outbound) {
      this.outbound.delete(node);
      if (this.cut || this.membership.isLost(node)) {
        if (this.cut) this.dropped += items.length;
        for (const item of items) this.host?.unreachable(item.encoded);
        continue;
      }
      this.membership.expect(node);
      const subject = subjectOf(this.cluster, node);
      for (const frame of encodeFrames(this.node, this.membership.incarnation, items)) this.nc.publish(subject, frame);
    }
  };

  private receive(data: Uint8Array): void {
    const host = this.host;
    if (host === undefined || this.closed) return;
    let frame;
    try {
      frame = decodeFrame(data);
    } catch (error) {
      process.stderr.write(`[strand] dropped a frame on ${subjectOf(this.cluster, this.node)}: ${String(error)}\n`);
      return;
    }
    if (this.membership.isLostIncarnation(frame.sender, frame.incarnation)) return;
    for (const item of frame.items) {
      try {
        host.deliver(item.to as Pid, item.encoded);
      } catch (error) {
        process.stderr.write(`[strand] dropped an envelope from node ${frame.sender}: ${String(error)}\n`);
      }
    }
    host.flush();
  }
}
