// Pids typed by a person or copied from a page: the display forms formatPid writes,
// a cluster node's included, and nothing else.
import { describe, expect, it } from 'vitest';
import { formatPid, type Pid } from '@strand/core';
import { parsePid } from '../src/pid-text.js';

describe('parsePid', () => {
  it('reads back what formatPid writes, on one machine and for a cluster node', () => {
    for (const pid of [64 * 17 + 1, (17 * 64 + 1) * 64 + 2, 3 * 2 ** 45 + (17 * 64 + 1) * 64 + 2] as Pid[]) {
      expect(parsePid(formatPid(pid))).toBe(pid);
      expect(parsePid(String(pid))).toBe(pid);
    }
    expect(formatPid((3 * 2 ** 45 + (17 * 64 + 1) * 64 + 2) as Pid)).toBe('<3:2.17.1>');
  });

  it('refuses what is not a pid', () => {
    for (const text of ['<1.2>', '<64.1.1>', '<1.1.64>', '<3:1.1>', '<:1.1.1>', 'abc', '-1', '<0:1.2.3>']) expect(parsePid(text)).toBeUndefined();
  });
});
