/**
 * What one NATS message between nodes carries: the sending node's number
 * and incarnation, then envelopes (each already encoded by the sending
 * thread, see @strand/pool's remote-nodes.ts) in send order, each with its
 * target pid, so the receiving node hands it to the owning thread without
 * decoding it.
 *
 *     u8 version (2) | u8 sender node | u32 sender incarnation | (f64 pid | u32 length | bytes)*
 *
 * Numbers are little-endian. A frame is applied whole and in order, and
 * frames from one node to another are published in order on one
 * connection, which NATS delivers in order.
 */

export const WIRE_VERSION = 2;
const HEADER_BYTES = 6;
/** A pid (a safe integer, f64) and a length (u32) before each envelope. */
const ITEM_HEADER_BYTES = 12;

/**
 * Bytes of envelopes packed into one NATS message at most. Half of the
 * server's default `max_payload` (1 MiB), so a frame never nears the limit;
 * a burst of small messages still travels as a few large publishes.
 */
export const FRAME_LIMIT_BYTES = 512 * 1024;

/** What a frame of one envelope adds to it: the frame's header and the envelope's. */
export const FRAME_OVERHEAD_BYTES = HEADER_BYTES + ITEM_HEADER_BYTES;

/** One encoded envelope and the pid it is for. */
export interface FrameItem {
  readonly to: number;
  readonly encoded: Uint8Array;
}

export interface Frame {
  readonly sender: number;
  readonly incarnation: number;
  readonly items: FrameItem[];
}

/** Packs `items` into frames of at most `FRAME_LIMIT_BYTES` (an item larger than that gets a frame of its own). */
export function encodeFrames(sender: number, incarnation: number, items: readonly FrameItem[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let start = 0;
  while (start < items.length) {
    let end = start;
    let size = HEADER_BYTES;
    while (end < items.length && (end === start || size + ITEM_HEADER_BYTES + items[end]!.encoded.length <= FRAME_LIMIT_BYTES)) {
      size += ITEM_HEADER_BYTES + items[end]!.encoded.length;
      end += 1;
    }
    frames.push(encodeFrame(sender, incarnation, items.slice(start, end), size));
    start = end;
  }
  return frames;
}

function encodeFrame(sender: number, incarnation: number, items: readonly FrameItem[], size: number): Uint8Array {
  const frame = new Uint8Array(size);
  const view = new DataView(frame.buffer);
  view.setUint8(0, WIRE_VERSION);
  view.setUint8(1, sender);
  view.setUint32(2, incarnation, true);
  let at = HEADER_BYTES;
  for (const { to, encoded } of items) {
    view.setFloat64(at, to, true);
    view.setUint32(at + 8, encoded.length, true);
    frame.set(encoded, at + ITEM_HEADER_BYTES);
    at += ITEM_HEADER_BYTES + encoded.length;
  }
  return frame;
}

/** Reads a frame; throws `RangeError` on a malformed or foreign one. */
export function decodeFrame(frame: Uint8Array): Frame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < HEADER_BYTES || view.getUint8(0) !== WIRE_VERSION) throw new RangeError('not a Strand frame of this version');
  const items: FrameItem[] = [];
  let at = HEADER_BYTES;
  while (at < frame.length) {
    if (at + ITEM_HEADER_BYTES > frame.length) throw new RangeError('truncated frame');
    const to = view.getFloat64(at, true);
    const length = view.getUint32(at + 8, true);
    at += ITEM_HEADER_BYTES;
    if (at + length > frame.length) throw new RangeError('truncated frame');
    items.push({ to, encoded: frame.subarray(at, at + length) });
    at += length;
  }
  return { sender: view.getUint8(1), incarnation: view.getUint32(2, true), items };
}
