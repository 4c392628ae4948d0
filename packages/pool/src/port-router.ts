/**
 * Carries envelopes between the schedulers of a runtime over MessagePorts,
 * one port per pair of threads.
 *
 * Envelopes for one scheduler are batched: a whole turn's worth goes in one
 * `postMessage` (structured clone copies the batch), sent once the turn's
 * synchronous work is done (see `flushOn`), or as soon as `MAX_BATCH`
 * envelopes are waiting. Per destination, batches are sent and received in
 * order, which keeps every pair of processes in order.
 *
 * While a scheduler is being replaced its port is suspended: envelopes for
 * it wait here and go to the new port once connected. Once a scheduler is
 * retired (a reload's old generation, drained), envelopes for its pids go
 * to the main thread instead, which answers for the dead: a message is
 * dropped, a link or monitor gets `'noproc'`.
 *
 * In a runtime that is a cluster node (remote-nodes.ts), envelopes for
 * other nodes' pids are encoded here, in the sending thread, and leave
 * through the sink `sendRemoteTo` names: on a worker, a batch to the main
 * thread marked `REMOTE_BATCH`, sent with the turn's other batches.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Pid } from '@strand/core';
import type { Batch, Envelope, Router } from '@strand/core/runtime';
import { type EncodedRouter, REMOTE_BATCH, decodeEnvelope, encodeEnvelope } from './remote-nodes.js';

/**
 * Items (a message counts two) per `postMessage` at most. Large enough that
 * the fixed cost of a `postMessage` (~3 µs) is spread thin, small enough
 * that the receiver starts on a flood while the sender is still producing
 * it: on the cross-thread ring 256 measured 1.4× faster than 4096.
 */
export const MAX_BATCH = 256;

export class PortRouter implements Router, EncodedRouter {
  private readonly ports = new Map<number, MessagePort>();
  /** Per owner index: envelopes waiting to go. Indexed arrays, not maps: this is the hot path. */
  private readonly pending: Batch[] = [];
  private readonly waiting: number[] = [];
  private readonly suspended = new Set<number>();
  /** Per retired owner index: the index whose thread answers for its pids. */
  private readonly retiredTo: number[] = [];
  private flushQueued = false;
  /** Index of the thread that carries envelopes for other nodes, while they wait here (see `sendRemoteTo`). */
  private remoteVia = -1;
  private remoteBatch: Batch = [REMOTE_BATCH];
  /** Set once the runtime is a cluster node (see `sendRemoteTo`); core calls it for other nodes' pids. */
  forwardRemote: ((envelope: Envelope) => void) | undefined;
  /** Per owner index: envelopes from other nodes, still encoded, for that thread to decode (`REMOTE_BATCH`). */
  private readonly encodedFor: Batch[] = [];
  private readonly encodedWaiting: number[] = [];

  /**
   * `flushOn`: when waiting batches go. `'microtask'` (scheduler threads):
   * right after the turn that produced them. `'immediate'` (the main
   * thread): after every I/O callback of the event-loop iteration, so that
   * a burst of HTTP requests travels as one batch, not one per request.
   */
  /**
   * `local`: where envelopes go that this thread itself must answer (the
   * main thread answers for retired schedulers).
   */
  constructor(
    private readonly onUndeliverable: (envelope: Envelope, error: unknown) => void,
    private readonly flushOn: 'microtask' | 'immediate' = 'microtask',
    private readonly local?: { readonly index: number; readonly accept: (batch: Batch) => void },
  ) {}

  forward(owner: number, envelope: Envelope): void {
    const to = this.retiredTo[owner] ?? owner;
    const batch = this.batchFor(to);
    batch.push(envelope);
    if (batch.length >= MAX_BATCH) this.send(to);
  }

  forwardMessage(owner: number, to: Pid, message: unknown): void {
    const via = this.retiredTo[owner] ?? owner;
    const batch = this.batchFor(via);
    batch.push(to, message);
    if (batch.length >= MAX_BATCH) this.send(via);
  }

  /**
   * Envelopes for other nodes' pids leave encoded: handed to `sink` at once
   * (the main thread), or batched to thread `sink` (a worker's way out).
   */
  sendRemoteTo(sink: number | ((to: Pid, encoded: Uint8Array) => void), maxBytes = Number.POSITIVE_INFINITY): void {
    if (typeof sink === 'function') {
      this.forwardRemote = (envelope) => sink(envelope.to, encodeEnvelope(envelope, maxBytes));
      return;
    }
    this.remoteVia = sink;
    this.forwardRemote = (envelope) => {
      const encoded = encodeEnvelope(envelope, maxBytes);
      if (this.remoteBatch.length === 1) this.queueFlush();
      this.remoteBatch.push(envelope.to, encoded);
      if (this.remoteBatch.length > MAX_BATCH) this.sendRemoteBatch();
    };
  }

  forwardEncoded(owner: number, to: Pid, encoded: Uint8Array): boolean {
    if (this.retiredTo[owner] !== undefined || this.suspended.has(owner) || !this.ports.has(owner)) return false;
    let batch = this.encodedFor[owner];
    if (batch === undefined || batch.length === 1) {
      batch = this.encodedFor[owner] ??= [REMOTE_BATCH];
      this.encodedWaiting.push(owner);
      this.queueFlush();
    }
    batch.push(to, encoded);
    if (batch.length > MAX_BATCH) this.sendEncoded(owner);
    return true;
  }

  private sendEncoded(owner: number): void {
    const batch = this.encodedFor[owner];
    const port = this.ports.get(owner);
    if (batch === undefined || batch.length === 1 || port === undefined) return;
    this.encodedFor[owner] = [REMOTE_BATCH];
    port.postMessage(batch);
  }

  /** Encoded envelopes still waiting for `owner` join its ordinary batch, decoded, so they are held or redirected with it. */
  private decodeWaiting(owner: number): void {
    const batch = this.encodedFor[owner];
    if (batch === undefined || batch.length === 1) return;
    this.encodedFor[owner] = [REMOTE_BATCH];
    for (let i = 1; i < batch.length; i += 2) {
      const envelope = decodeEnvelope(batch[i + 1] as Uint8Array);
      if (envelope.kind === 'message') this.batchFor(owner).push(envelope.to, envelope.message);
      else this.batchFor(owner).push(envelope);
    }
  }

  private sendRemoteBatch(): void {
    const port = this.ports.get(this.remoteVia);
    if (this.remoteBatch.length === 1 || port === undefined) return;
    const batch = this.remoteBatch;
    this.remoteBatch = [REMOTE_BATCH];
    port.postMessage(batch);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    if (this.flushOn === 'microtask') queueMicrotask(this.flush);
    else setImmediate(this.flush);
  }

  private batchFor(owner: number): Batch {
    const batch = this.pending[owner];
    if (batch !== undefined && batch.length > 0) return batch;
    this.queueFlush();
    this.waiting.push(owner);
    return batch ?? (this.pending[owner] = []);
  }

  /** Sends every waiting batch to a connected port. */
  readonly flush = (): void => {
    this.flushQueued = false;
    for (const owner of this.waiting.splice(0)) this.send(owner);
    for (const owner of this.encodedWaiting.splice(0)) this.sendEncoded(owner);
    this.sendRemoteBatch();
  };

  connect(owner: number, port: MessagePort): void {
    this.ports.set(owner, port);
    this.suspended.delete(owner);
    delete this.retiredTo[owner];
    this.send(owner);
  }

  /**
   * Scheduler `owner` is retired: its port closes, and envelopes for its
   * pids (those waiting included, in order) go to scheduler `via`.
   */
  retire(owner: number, via: number): void {
    this.decodeWaiting(owner);
    this.suspended.delete(owner);
    this.ports.get(owner)?.close();
    this.ports.delete(owner);
    this.retiredTo[owner] = via;
    const held = this.pending[owner];
    this.pending[owner] = [];
    if (held !== undefined && held.length > 0) {
      this.batchFor(via).push(...held);
      this.send(via);
    }
  }

  /** Holds envelopes for `owner` until `connect` gives it a new port. */
  suspend(owner: number): void {
    this.decodeWaiting(owner);
    this.suspended.add(owner);
    this.ports.get(owner)?.close();
    this.ports.delete(owner);
  }

  close(): void {
    for (const port of this.ports.values()) port.close();
    this.ports.clear();
    this.pending.length = 0;
    this.waiting.length = 0;
    this.encodedFor.length = 0;
    this.encodedWaiting.length = 0;
  }

  private send(owner: number): void {
    const batch = this.pending[owner];
    if (owner === this.local?.index && batch !== undefined && batch.length > 0) {
      this.pending[owner] = [];
      this.local.accept(batch);
      return;
    }
    const port = this.ports.get(owner);
    if (batch === undefined || batch.length === 0 || port === undefined || this.suspended.has(owner)) return;
    this.pending[owner] = [];
    try {
      port.postMessage(batch);
    } catch {
      // Messages are checked at send, so this is rare: send the rest one by one, losing only what cannot go.
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i];
        const one: Batch = typeof item === 'number' ? [item, batch[++i]] : [item];
        try {
          port.postMessage(one);
        } catch (error) {
          const envelope: Envelope = one.length === 2 ? { kind: 'message', to: item as Pid, message: one[1] } : (item as Envelope);
          this.onUndeliverable(envelope, error);
        }
      }
    }
  }
}
