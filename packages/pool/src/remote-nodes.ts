/**
 * The hook through which a runtime joins other runtimes (nodes): the
 * `remote` option of `Strand.start`. The pool knows no transport; a package
 * such as @strand/cluster gives it a `RemoteNodes` that carries encoded
 * envelopes between nodes.
 *
 * Contract
 * - The factory is called once, in the main thread only, before any
 *   scheduler thread starts: its `node` number (1 to 255) is written into
 *   every pid of the runtime, so a pid names its node wherever it travels.
 * - An envelope for another node's pid is encoded (`node:v8` serialize: the
 *   structured-clone algorithm, to bytes) in the thread that sends it, so a
 *   value that cannot be encoded throws `UncloneableError` at `send`, as an
 *   uncloneable one does. Worker threads pass the bytes to the main thread,
 *   which hands them to `send` in the order each thread produced them.
 * - What other nodes send is given back through `RemoteHost.deliver`, in
 *   the order it was sent. The main thread passes the bytes on to the
 *   thread that owns the target, which decodes them (`REMOTE_BATCH`), so
 *   decoding is spread over the threads as encoding is; the main thread
 *   decodes only its own, and those for a thread being replaced or retired.
 */
import { deserialize, serialize } from 'node:v8';
import { type Pid, type Scheduler, StrandError, UncloneableError } from '@strand/core';
import { type Batch, type Envelope, nodeOf, ownerOf } from '@strand/core/runtime';

/** What a transport between nodes gives the runtime (see the `remote` option). */
export interface RemoteNodes {
  /** This node's number, 1 to 255 (`NODE_SLOTS` − 1), written into every pid of the runtime. */
  readonly node: number;
  /** The largest encoded message the transport carries; a larger one throws `MessageTooLargeError` at `send`. No limit if absent. */
  readonly maxEnvelopeBytes?: number;
  /** Called once the runtime is up: what other nodes send here goes to `host`. */
  attach(host: RemoteHost): void;
  /** An encoded envelope for `to`, a pid of another node (`nodeOf(to)`); per sending process, called in send order. */
  send(to: Pid, encoded: Uint8Array): void;
  /** Called by `Runtime.stop`, after every process has ended. */
  close(): Promise<void>;
}

/** What the runtime offers the transport. */
export interface RemoteHost {
  /** An encoded envelope from another node for `to`, a pid of this one; apply them in the order they were sent. */
  deliver(to: Pid, encoded: Uint8Array): void;
  /**
   * Sends what `deliver` queued for other threads now, rather than at the
   * end of the event-loop iteration: call it after the last envelope of
   * what arrived together.
   */
  flush(): void;
  /** An encoded envelope that could not reach its node: a link or monitor in it is answered `'noconnection'`. */
  unreachable(encoded: Uint8Array): void;
  /** Node `node` is lost: links and monitors to its processes, on every thread, end with `'noconnection'`. */
  lostNode(node: number): Promise<void>;
}

/** Starts the transport; called once, in the main thread. */
export type RemoteNodesFactory = () => Promise<RemoteNodes>;

/**
 * The first item of a batch of encoded envelopes, pairs of (pid, bytes) in
 * send order, that goes between a worker thread and the main thread: from a
 * worker, envelopes for other nodes; to a worker, envelopes from other
 * nodes, for it to decode.
 */
export const REMOTE_BATCH = 'strand.remote';

/** A message for another node whose encoding is larger than the transport carries (`RemoteNodes.maxEnvelopeBytes`). */
export class MessageTooLargeError extends StrandError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super('ERR_STRAND_MESSAGE_TOO_LARGE', `a message of ${bytes} bytes (encoded) is larger than the ${limit} bytes that go between nodes: send a reference to the data, or split it`);
  }
}

/**
 * The bytes of an envelope for another node; throws `UncloneableError` for
 * what cannot be encoded, `MessageTooLargeError` for a message over
 * `maxBytes` (signals are small, and are not refused: the transport drops
 * one it cannot carry, saying so).
 */
export function encodeEnvelope(envelope: Envelope, maxBytes = Number.POSITIVE_INFINITY): Uint8Array {
  let encoded: Uint8Array;
  try {
    encoded = serialize(envelope);
  } catch (error) {
    const what = envelope.kind === 'message' ? 'message' : `${envelope.kind} signal`;
    throw new UncloneableError(`${what} cannot be encoded for another node: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (encoded.length > maxBytes && envelope.kind === 'message') throw new MessageTooLargeError(encoded.length, maxBytes);
  return encoded;
}

export function decodeEnvelope(encoded: Uint8Array): Envelope {
  return deserialize(encoded) as Envelope;
}

/** Applies a `REMOTE_BATCH` from the main thread: envelopes from other nodes, decoded here, in order. */
export function acceptEncoded(scheduler: Scheduler, batch: Batch): void {
  for (let i = 1; i < batch.length; i += 2) scheduler.acceptRemote(decodeEnvelope(batch[i + 1] as Uint8Array));
}

/** What delivery needs of the main thread's router (port-router.ts). */
export interface EncodedRouter {
  /** Queues `encoded` for thread `owner` to decode; false if it cannot go there now (the caller decodes it). */
  forwardEncoded(owner: number, to: Pid, encoded: Uint8Array): boolean;
  /** Sends every waiting batch. */
  flush(): void;
}

/** The runtime's side of the hook, in the main thread (scheduler index 0). */
export class RemoteDelivery implements RemoteHost {
  constructor(
    private readonly scheduler: Scheduler,
    /** Tells every worker thread that `node` is lost. */
    private readonly tellThreads: (node: number) => Promise<void>,
    private readonly router: EncodedRouter,
  ) {}

  deliver(to: Pid, encoded: Uint8Array): void {
    const owner = ownerOf(to);
    if (owner !== 0 && nodeOf(to) === this.scheduler.node && this.router.forwardEncoded(owner, to, encoded)) return;
    this.scheduler.acceptRemote(decodeEnvelope(encoded));
  }

  flush(): void {
    this.router.flush();
  }

  unreachable(encoded: Uint8Array): void {
    this.scheduler.unreachable(decodeEnvelope(encoded));
  }

  async lostNode(node: number): Promise<void> {
    this.scheduler.lostNode(node);
    await this.tellThreads(node);
  }
}
