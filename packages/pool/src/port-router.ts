/**
 * Carries envelopes between the schedulers of a runtime over MessagePorts,
 * one port per pair of threads.
 *
 * Envelopes for one scheduler are batched: a whole turn's worth goes in one
 * `postMessage` (structured clone copies the batch), sent from a microtask
 * once the turn's synchronous work is done, or as soon as `MAX_BATCH`
 * envelopes are waiting. Per destination, batches are sent and received in
 * order, which keeps every pair of processes in order.
 *
 * While a scheduler is being replaced its port is suspended: envelopes for
 * it wait here and go to the new port once connected.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Envelope, Router } from '@strand/core/runtime';

/**
 * Envelopes per `postMessage` at most. Large enough that the per-message
 * cost of `postMessage` (~3 µs) is spread thin, small enough that a
 * receiver starts on a flood before the sender's turn ends.
 */
export const MAX_BATCH = 4096;

export class PortRouter implements Router {
  private readonly ports = new Map<number, MessagePort>();
  private readonly pending = new Map<number, Envelope[]>();
  private readonly suspended = new Set<number>();
  private flushQueued = false;

  constructor(private readonly onUndeliverable: (envelope: Envelope, error: unknown) => void) {}

  forward(owner: number, envelope: Envelope): void {
    let batch = this.pending.get(owner);
    if (batch === undefined) {
      batch = [];
      this.pending.set(owner, batch);
    }
    batch.push(envelope);
    if (batch.length >= MAX_BATCH && !this.suspended.has(owner)) this.send(owner);
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends every waiting batch to a connected port. */
  readonly flush = (): void => {
    this.flushQueued = false;
    for (const owner of this.pending.keys()) if (!this.suspended.has(owner)) this.send(owner);
  };

  connect(owner: number, port: MessagePort): void {
    this.ports.set(owner, port);
    this.suspended.delete(owner);
    this.send(owner);
  }

  /** Holds envelopes for `owner` until `connect` gives it a new port. */
  suspend(owner: number): void {
    this.suspended.add(owner);
    this.ports.get(owner)?.close();
    this.ports.delete(owner);
  }

  close(): void {
    for (const port of this.ports.values()) port.close();
    this.ports.clear();
    this.pending.clear();
  }

  private send(owner: number): void {
    const batch = this.pending.get(owner);
    const port = this.ports.get(owner);
    if (batch === undefined || batch.length === 0 || port === undefined) return;
    this.pending.delete(owner);
    try {
      port.postMessage(batch);
    } catch {
      // Messages are checked at send, so this is rare: send the rest one by one, losing only what cannot go.
      for (const envelope of batch) {
        try {
          port.postMessage([envelope]);
        } catch (error) {
          this.onUndeliverable(envelope, error);
        }
      }
    }
  }
}
