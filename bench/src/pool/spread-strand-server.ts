/**
 * The Strand side of the placement-spread benchmark, run as a child process
 * with an IPC channel:
 *
 *   node --import tsx src/pool/spread-strand-server.ts <schedulers>
 *
 * `@strand/http` on 127.0.0.1 and a free port, a runtime of `schedulers`
 * worker schedulers; every request is a process placed by least-loaded
 * placement. `GET /work?units=N` runs N units of work, yielding after each,
 * and answers `{"worker":<scheduler index>,"units":N}`.
 *
 * IPC: sends `{ port }` once listening; answers `'stats'` with
 * `{ stats: rt.stats() }`; `'stop'` stops the server and the runtime.
 */
import { isMainThread } from 'node:worker_threads';
import { handler, serve } from '@strand/http';
import { self } from '@strand/core';
import { ownerOf } from '@strand/core/runtime';
import { startStrand } from './common.js';
import { workUnit } from './spread-work.js';

export const SpreadJob = handler(import.meta.url, 'bench.pool.SpreadJob', function* (request) {
  const units = Number(request.query.units ?? 0);
  let h = units;
  for (let u = 0; u < units; u++) {
    h = workUnit(h);
    yield;
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ worker: ownerOf(self()), units, check: h & 0xff }),
  };
});

// Run only as the entry point: the scheduler threads import this module for the handler too.
if (isMainThread && process.send !== undefined) {
  const schedulers = Number(process.argv[2] ?? 8);
  const runtime = await startStrand(schedulers);
  const http = await serve({ runtime, handler: SpreadJob, deadlineMs: 10 * 60_000 });
  process.on('message', (message: unknown) => {
    if (message === 'stats') {
      void runtime.stats().then((stats) => process.send!({ stats }));
    } else if (message === 'stop') {
      void (async () => {
        await http.stop(1_000);
        await runtime.stop();
        process.exit(0);
      })();
    }
  });
  process.send({ port: http.port, pid: process.pid });
}
