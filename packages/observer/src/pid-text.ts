import { formatPid, isPid, type Pid } from '@strand/core';
import { SCHEDULER_SLOTS } from '@strand/core/runtime';

const PID_TEXT = /^<(?:(\d+):)?(\d+)\.(\d+)\.(\d+)>$/;
/** A pid's node is its value over 2^45 (core's pid.ts); the round trip through `formatPid` below checks it. */
const NODE_UNIT = 2 ** 45;
const NUMERIC = /^\d+$/;

/**
 * A pid from its display form `<owner.serial.allocator>`, or `<node:owner.serial.allocator>`
 * for a cluster node's (as `formatPid` writes them), or its number; undefined if neither.
 */
export function parsePid(text: string): Pid | undefined {
  if (NUMERIC.test(text)) {
    const value = Number(text);
    return isPid(value) ? value : undefined;
  }
  const match = PID_TEXT.exec(text);
  if (match === null) return undefined;
  const [node, owner, serial, allocator] = [Number(match[1] ?? 0), Number(match[2]), Number(match[3]), Number(match[4])];
  if (owner >= SCHEDULER_SLOTS || allocator >= SCHEDULER_SLOTS) return undefined;
  const value = node * NODE_UNIT + (serial * SCHEDULER_SLOTS + allocator) * SCHEDULER_SLOTS + owner;
  return isPid(value) && formatPid(value) === text ? value : undefined;
}
