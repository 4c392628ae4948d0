/**
 * A fresh node per test for suites that `describe.each(MODES)`: started
 * before each test with an inbox on it, stopped after. Read `env.node` and
 * `env.inbox` inside tests and hooks, not at collection time.
 */
import type { Inbox } from '@strand/core';
import { afterEach, beforeEach } from 'vitest';
import type { Mode, Node } from './behaviour-modes.js';

export interface TestEnv {
  readonly node: Node;
  readonly inbox: Inbox;
}

export function nodePerTest(mode: Mode): TestEnv {
  const env = {} as { node: Node; inbox: Inbox };
  beforeEach(async () => {
    env.node = await mode.start();
    env.inbox = env.node.inbox();
  });
  afterEach(() => env.node.stop());
  return env;
}
