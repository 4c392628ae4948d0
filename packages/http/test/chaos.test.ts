// Chaos, bounded: HTTP load on a supervised application while the servers
// its handlers call are killed at random. Invariants: every request has
// exactly one outcome; failures only where the chaos hit (503 for a call to
// a killed server, never a 500); the supervisor restores the tree; no
// handler process is left behind. Threads killed under load as well:
// chaos-threads.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { router, serve, type HttpServer } from '@strand/http';
import type { Application } from '@strand/otp';
import { SERVERS, random, startEchoApplication, treeWhole } from './chaos-app.js';
import { CallEcho } from './fixtures/handlers.js';
import { handlerProcesses, request, waitFor } from './support.js';

const LOOPS = 8;
const REQUESTS_PER_LOOP = 40;
let app: Application | undefined;
let http: HttpServer | undefined;

afterEach(async () => {
  await http?.stop(100);
  await app?.stop();
  http = undefined;
  app = undefined;
});

describe('chaos under load', () => {
  it('random kills of supervised servers cost only the calls they hit, and the tree comes back', async () => {
    app = await startEchoApplication();
    const rt = app.runtime;
    const errors: string[] = [];
    http = await serve({ runtime: rt, routes: router().get('/echo/:n', CallEcho), onError: (r) => errors.push(`${r.request.path}: ${JSON.stringify(r.reason).slice(0, 300)}`) });
    const port = http.port;
    const next = random(42);

    const outcomes: (number | string)[] = [];
    let sent = 0;
    const loop = async (l: number): Promise<void> => {
      for (let i = 0; i < REQUESTS_PER_LOOP; i++) {
        sent++;
        const n = (l + i) % SERVERS;
        outcomes.push(await request(port, `/echo/${n}`, { timeoutMs: 30_000 }).then((r) => r.status, (e: Error) => `error: ${e.message}`));
      }
    };
    const chaos = async (): Promise<number> => {
      let kills = 0;
      while (outcomes.length < (LOOPS * REQUESTS_PER_LOOP) / 2) {
        const name = `echo-${Math.floor(next() * SERVERS)}`;
        const pid = rt.whereis(name);
        if (pid !== undefined) {
          rt.kill(pid);
          kills++;
        }
        await new Promise((r) => setTimeout(r, 20 + next() * 30));
      }
      return kills;
    };
    const [kills] = await Promise.all([chaos(), ...Array.from({ length: LOOPS }, (_, l) => loop(l))]);

    // Every request one outcome, each a status: no error, no timeout.
    expect(outcomes).toHaveLength(sent);
    expect(outcomes.filter((o) => typeof o !== 'number')).toEqual([]);
    // Failures only where the chaos hit: 503 for calls to a killed server.
    expect(outcomes.filter((o) => o !== 200 && o !== 503), errors.join('\n')).toEqual([]);
    expect(kills).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 200).length).toBeGreaterThan(0);
    // The tree is whole again, each server registered and answering.
    expect(await waitFor(() => treeWhole(app!), 30_000)).toBe(true);
    for (let n = 0; n < SERVERS; n++) expect((await request(port, `/echo/${n}`)).status).toBe(200);
    // No handler process outlived its request.
    expect(await waitFor(async () => (await handlerProcesses(rt, 'CallEcho')).length === 0, 30_000)).toBe(true);
  }, 180_000);
});
