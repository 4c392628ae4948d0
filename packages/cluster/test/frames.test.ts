// What one NATS message between nodes carries (src/wire.ts): frames that
// keep their envelopes and targets in order, split at the size limit.
import { describe, expect, it } from 'vitest';
import { FRAME_LIMIT_BYTES, decodeFrame, encodeFrames } from '../src/wire.js';

const item = (to: number, size: number, fill: number) => ({ to, encoded: new Uint8Array(size).fill(fill) });

describe('frames between nodes', () => {
  it('carry sender, incarnation, and every envelope with its pid, in order', () => {
    const items = [item(2 ** 45 + 4096 + 1, 3, 7), item(2 ** 52 + 17, 0, 0), item(255 * 2 ** 45 + 4095, 10, 9)];
    const frames = encodeFrames(3, 0xfeedbeef, items);
    expect(frames).toHaveLength(1);
    const frame = decodeFrame(frames[0]!);
    expect(frame.sender).toBe(3);
    expect(frame.incarnation).toBe(0xfeedbeef);
    expect(frame.items.map((i) => i.to)).toEqual(items.map((i) => i.to));
    expect(frame.items.map((i) => [...i.encoded])).toEqual(items.map((i) => [...i.encoded]));
  });

  it('split at the size limit without reordering, and give an envelope larger than the limit a frame of its own', () => {
    const third = Math.floor(FRAME_LIMIT_BYTES / 3);
    const items = [item(1, third, 1), item(2, third, 2), item(3, third, 3), item(4, FRAME_LIMIT_BYTES + 1, 4), item(5, 1, 5)];
    const frames = encodeFrames(1, 1, items);
    expect(frames.every((f) => f.length <= FRAME_LIMIT_BYTES || decodeFrame(f).items.length === 1)).toBe(true);
    const decoded = frames.flatMap((f) => decodeFrame(f).items);
    expect(decoded.map((i) => i.to)).toEqual([1, 2, 3, 4, 5]);
    expect(decoded.map((i) => i.encoded.length)).toEqual(items.map((i) => i.encoded.length));
    expect(frames.length).toBeGreaterThanOrEqual(3);
  });

  it('refuse a frame of another version or one cut short', () => {
    const [frame] = encodeFrames(1, 1, [item(9, 16, 1)]);
    expect(() => decodeFrame(frame!.subarray(0, frame!.length - 1))).toThrow(RangeError);
    const foreign = frame!.slice();
    foreign[0] = 99;
    expect(() => decodeFrame(foreign)).toThrow(/version/);
    expect(() => decodeFrame(new Uint8Array(2))).toThrow(RangeError);
  });
});
