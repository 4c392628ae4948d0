import { formatPid, isPid, type Pid } from '@strand/core';
import { SCHEDULER_SLOTS } from '@strand/core/runtime';

const PID_TEXT = /^<(\d+)\.(\d+)\.(\d+)>$/;
const NUMERIC = /^\d+$/;

/** A pid from its display form `<owner.serial.allocator>` (as `formatPid` writes it) or its number; undefined if neither. */
export function parsePid(text: string): Pid | undefined {
  if (NUMERIC.test(text)) {
    const value = Number(text);
    return isPid(value) ? value : undefined;
  }
  const match = PID_TEXT.exec(text);
  if (match === null) return undefined;
  const [owner, serial, allocator] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (owner >= SCHEDULER_SLOTS || allocator >= SCHEDULER_SLOTS) return undefined;
  const value = (serial * SCHEDULER_SLOTS + allocator) * SCHEDULER_SLOTS + owner;
  return isPid(value) && formatPid(value) === text ? value : undefined;
}
