// A thread lost to one request (its handler never yields, and the watchdog
// replaces the thread) costs that request only: the requests whose
// processes shared the thread run again elsewhere (they are GETs), and again
// if the thread they ran again on is lost too.
import { afterEach, describe, expect, it } from 'vitest';
import { type Pid, TIMEOUT } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { router } from '@strand/http';
import type { StallReport } from '@strand/pool';
import { type Announcement, GO, Stall, Stoppable, ThreadKiller, WITNESS, isAnnouncement } from './fixtures/handlers.js';
import { request, startRuntime, startServer, stopAll } from './support.js';

afterEach(stopAll);

describe('a thread lost to a stall', () => {
  it('fails the culprit only: GETs that shared its thread run again elsewhere and answer 200', async () => {
    let stalled: (r: StallReport) => void = () => {};
    const stall = new Promise<StallReport>((resolve) => (stalled = resolve));
    const runtime = await startRuntime({ stallTimeoutMs: 1_000, onStall: (r) => stalled(r) });
    const errors: unknown[] = [];
    const server = await startServer({
      runtime,
      routes: router().get('/quick', Stoppable).get('/stall', Stall),
      onError: (r) => errors.push(r.reason),
    });
    const witness = runtime.inbox();
    runtime.register(WITNESS, witness.pid);
    const announced = async (): Promise<Pid> => {
      const m = await witness.receive(isAnnouncement, 20_000);
      if (m === TIMEOUT) throw new Error('a handler did not announce itself');
      return (m as Announcement).pid;
    };

    const quick = Array.from({ length: 6 }, () => request(server.port, '/quick', { timeoutMs: 60_000 }));
    const first: Pid[] = [];
    for (let i = 0; i < 6; i++) first.push(await announced());
    // Both threads hold some: whichever stalls takes innocent requests with it.
    expect(new Set(first.map(ownerOf)).size).toBe(2);

    const culprit = request(server.port, '/stall', { timeoutMs: 60_000 });
    const report = await stall;
    const lost = first.filter((pid) => ownerOf(pid) === report.scheduler);
    expect(lost.length).toBeGreaterThan(0);
    // Each lost request starts again, and announces itself again.
    const again: Pid[] = [];
    for (let i = 0; i < lost.length; i++) again.push(await announced());
    for (const pid of [...first.filter((p) => !lost.includes(p)), ...again]) runtime.send(pid, GO);

    const answers = await Promise.all(quick);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await culprit).status).toBe(500);
    expect(server.retries).toBe(lost.length);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: { name: 'StallError' } });
  }, 90_000);
});

describe('threads lost one after the other', () => {
  it('runs a request lost with one thread, then with the thread it ran again on, a third time: every request answers 200', async () => {
    const runtime = await startRuntime();
    const server = await startServer({ runtime, routes: router().get('/quick', Stoppable) });
    const witness = runtime.inbox();
    runtime.register(WITNESS, witness.pid);
    const announced = async (): Promise<Pid> => {
      const m = await witness.receive(isAnnouncement, 30_000);
      if (m === TIMEOUT) throw new Error('a handler did not announce itself');
      return (m as Announcement).pid;
    };
    /** Kills the thread of scheduler `index`; resolves with the pids of the requests that ran again. */
    const killThread = async (index: number, live: Pid[]): Promise<{ lost: Pid[]; again: Pid[] }> => {
      const lost = live.filter((pid) => ownerOf(pid) === index);
      runtime.spawnOn(index, ThreadKiller);
      const again: Pid[] = [];
      for (let i = 0; i < lost.length; i++) again.push(await announced());
      return { lost, again };
    };

    const quick = Array.from({ length: 4 }, () => request(server.port, '/quick', { timeoutMs: 60_000 }));
    let live: Pid[] = [];
    for (let i = 0; i < 4; i++) live.push(await announced());
    const first = await killThread(ownerOf(live[0]!), live);
    live = [...live.filter((pid) => !first.lost.includes(pid)), ...first.again];
    // The thread one of the re-run requests is on now: that request is lost a second time.
    const second = await killThread(ownerOf(first.again[0]!), live);
    live = [...live.filter((pid) => !second.lost.includes(pid)), ...second.again];
    for (const pid of live) runtime.send(pid, GO);

    expect((await Promise.all(quick)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(server.retries).toBe(first.lost.length + second.lost.length);
  }, 90_000);
});
