// Chaos with threads, bounded: HTTP load on a supervised application while
// scheduler threads are killed (as native code crashing would) and
// supervised servers are killed at random. Invariants: every request has
// exactly one outcome, and a failure only where the chaos hit it (503 for a
// call to a killed server; 500 only for a request lost with threads more
// often than RETRIES_ON_LOST_THREAD);
// the tree comes back whole (the root too, if it was on a killed thread);
// no message is lost between two processes that both lived through it; no
// handler process is left behind.
import { afterEach, describe, expect, it } from 'vitest';
import { type Pid, isDownMessage } from '@strand/core';
import { router, serve, type HttpServer } from '@strand/http';
import type { Application } from '@strand/otp';
import { SERVERS, random, startEchoApplication, treeWhole } from './chaos-app.js';
import { CallEcho, SequenceReceiver, SequenceSender, ThreadKiller } from './fixtures/handlers.js';
import { handlerProcesses, request, waitFor } from './support.js';

const LOOPS = 6;
const MIN_REQUESTS_PER_LOOP = 20;
const MAX_REQUESTS_PER_LOOP = 2_000;
/** Rounds of chaos, 50 to 150 ms apart: a server killed in each. */
const CHAOS_ROUNDS = 40;
/** Rounds in which scheduler 1's thread is killed too: scheduler 2 lives throughout. */
const THREAD_KILL_ROUNDS = [8, 24];
const THREAD_KILLS = THREAD_KILL_ROUNDS.length;
let app: Application | undefined;
let http: HttpServer | undefined;

afterEach(async () => {
  await http?.stop(100);
  await app?.stop();
  http = undefined;
  app = undefined;
});

describe('chaos with threads under load', () => {
  it('killed threads and servers cost only what they hit; the tree comes back; no message lost between survivors', async () => {
    app = await startEchoApplication();
    const rt = app.runtime;
    const errors: string[] = [];
    http = await serve({ runtime: rt, routes: router().get('/echo/:n', CallEcho), onError: (r) => errors.push(JSON.stringify(r.reason)) });
    const port = http.port;
    const next = random(7);
    const inbox = rt.inbox();

    // Two sequences from the main thread: to scheduler 2 (which lives) and to scheduler 1 (which is killed).
    const receivers: Pid[] = [];
    for (const index of [2, 1]) {
      const receiver = rt.spawnOn(index, SequenceReceiver, inbox.pid);
      await inbox.receive((m) => (m as { receiverReady?: Pid }).receiverReady === receiver, 30_000);
      receivers.push(receiver);
    }
    const [survivor, doomed] = receivers as [Pid, Pid];
    const doomedDown = inbox.monitor(doomed);
    const senders = receivers.map((r) => rt.spawnOn(0, SequenceSender, r));

    const outcomes: (number | string)[] = [];
    let sent = 0;
    let chaosOver = false;
    // Each loop runs while the chaos lasts (and at least MIN_REQUESTS_PER_LOOP requests), bounded.
    const loop = async (l: number): Promise<void> => {
      for (let i = 0; i < MAX_REQUESTS_PER_LOOP && (!chaosOver || i < MIN_REQUESTS_PER_LOOP); i++) {
        sent++;
        outcomes.push(await request(port, `/echo/${(l + i) % SERVERS}`, { timeoutMs: 60_000 }).then((r) => r.status, (e: Error) => `error: ${e.message}`));
      }
    };
    const chaos = async (): Promise<{ threads: number; servers: number }> => {
      let threads = 0;
      let servers = 0;
      for (let round = 0; round < CHAOS_ROUNDS; round++) {
        if (THREAD_KILL_ROUNDS.includes(round)) {
          rt.spawnOn(1, ThreadKiller);
          threads++;
        }
        const pid = rt.whereis(`echo-${Math.floor(next() * SERVERS)}`);
        if (pid !== undefined) {
          rt.kill(pid);
          servers++;
        }
        await new Promise((r) => setTimeout(r, 50 + next() * 100));
      }
      chaosOver = true;
      return { threads, servers };
    };
    const [kills] = await Promise.all([chaos(), ...Array.from({ length: LOOPS }, (_, l) => loop(l))]);
    expect(kills.threads).toBe(THREAD_KILLS);
    expect(kills.servers).toBeGreaterThan(0);

    // Every request one outcome, each a status: no connection error, no timeout.
    expect(outcomes).toHaveLength(sent);
    expect(outcomes.filter((o) => typeof o !== 'number')).toEqual([]);
    // Failures only where the chaos hit: 503 for a call to a killed server; a 500 only for a request lost with threads too often.
    expect(outcomes.filter((o) => o !== 200 && o !== 503 && o !== 500)).toEqual([]);
    expect(errors.filter((e) => e !== '"noconnection"'), errors.join('\n')).toEqual([]);
    expect(outcomes.filter((o) => o === 200).length).toBeGreaterThan(0);

    // The sequence into the thread that lived: every number, in order, none lost.
    rt.send(senders[0]!, { stop: inbox.pid });
    const report = (await inbox.receive((m) => (m as { receiver?: Pid }).receiver === survivor, 30_000)) as { sent: number; last: number; gaps: number };
    expect(report.gaps).toBe(0);
    expect(report.last).toBe(report.sent);
    // The one into the killed thread ended with it, as a lost thread's processes do.
    expect(await inbox.receive((m) => isDownMessage(m) && m.ref === doomedDown, 30_000)).toMatchObject({ reason: 'noconnection' });
    rt.kill(senders[1]!);

    // The tree is whole again, each server registered and answering.
    expect(await waitFor(() => treeWhole(app!), 30_000)).toBe(true);
    for (let n = 0; n < SERVERS; n++) expect((await request(port, `/echo/${n}`)).status).toBe(200);
    // No handler process outlived its request.
    expect(await waitFor(async () => (await handlerProcesses(rt, 'CallEcho')).length === 0, 30_000)).toBe(true);
  }, 240_000);
});
