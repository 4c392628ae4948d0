import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, TIMEOUT } from '@strand/core';
import { Echo } from './fixtures/echo.js';

// Single-thread only: unit tests of the Inbox on its own scheduler.

let scheduler: Scheduler;
afterEach(() => scheduler?.stop());

describe('inbox', () => {
  it('lets plain code exchange messages with a process', async () => {
    scheduler = new Scheduler();
    const inbox = scheduler.inbox();
    const echo = scheduler.spawn(Echo);
    scheduler.send(echo, { from: inbox.pid, body: 1 });
    scheduler.send(echo, { from: inbox.pid, body: 2 });
    expect(await inbox.receive()).toEqual({ echo: 1 });
    expect(await inbox.receive()).toEqual({ echo: 2 });
  });

  it('receives selectively and times out', async () => {
    scheduler = new Scheduler();
    const inbox = scheduler.inbox();
    scheduler.send(inbox.pid, 'a');
    scheduler.send(inbox.pid, 'b');
    expect(await inbox.receive((m) => m === 'b')).toBe('b');
    expect(await inbox.receive((m) => m === 'c', 5)).toBe(TIMEOUT);
    expect(await inbox.receive()).toBe('a');
  });

  it('ends its process normally on close', async () => {
    scheduler = new Scheduler();
    const inbox = scheduler.inbox();
    const exited = scheduler.awaitExit(inbox.pid);
    inbox.close();
    expect(await exited).toBe('normal');
  });
});
