import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type CrashReport, type Inbox, type Pid } from '@strand/core';
import { ChainLink } from './fixtures/faults.js';

// Single-thread only: counts processes with `scheduler.stats` and `scheduler.processes()`.
// (A 100,000-long chain of cross-thread spawn-links would also be a load test, not this one.)

let scheduler: Scheduler;
let inbox: Inbox;
let crashes: CrashReport[];

afterEach(() => scheduler?.stop());

function start(): void {
  crashes = [];
  scheduler = new Scheduler({ onCrash: (report) => crashes.push(report) });
  inbox = scheduler.inbox();
}

describe('links (one scheduler)', () => {
  it.each(['tail', 'head'] as const)(
    'a chain of 100,000 linked processes dies without a stack overflow when its %s crashes',
    async (end) => {
      start();
      const n = 100_000;
      const head = scheduler.spawn(ChainLink, n, inbox.pid);
      const { tail } = (await inbox.receive()) as { tail: Pid };
      expect(scheduler.stats.processes).toBe(n + 1); // the chain and the inbox
      const [crashing, far] = end === 'tail' ? [tail, head] : [head, tail];
      const farExit = scheduler.awaitExit(far);
      scheduler.send(crashing, { op: 'crash', message: 'end of chain' });
      expect(await farExit).toMatchObject({ error: { name: 'Error', message: 'end of chain' } });
      expect(scheduler.stats.processes).toBe(1);
      expect(scheduler.processes()).toEqual([inbox.pid]);
      expect(crashes.map((c) => c.pid)).toEqual([crashing]);
    },
  );
});
