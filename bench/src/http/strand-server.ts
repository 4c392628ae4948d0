/**
 * The Strand server of the HTTP benchmark, run as a child process:
 *
 *   node --import tsx src/http/strand-server.ts <ok|mixed> [schedulers]
 *
 * `@strand/http`'s `serve()` on 127.0.0.1 and a free port, with a runtime of
 * `schedulers` (default 2) worker schedulers. Prints `{"port":N}` on one line
 * once listening; stops cleanly on SIGTERM (so `--cpu-prof` profiles get written).
 */
import { serve } from '@strand/http';
import { Strand } from '@strand/pool';
import { Mixed, Ok } from './handlers.js';

const mode = process.argv[2] ?? 'ok';
const schedulers = Number(process.argv[3] ?? 2);
const runtime = await Strand.start({
  schedulers,
  preload: [new URL('./register-tsx.mjs', import.meta.url).href],
});
const http = await serve({
  runtime,
  handler: mode === 'mixed' ? Mixed : Ok,
  // The long factorials are held open for the whole measurement: no 504 after the default 30 s.
  deadlineMs: 10 * 60_000,
});
process.stdout.write(`${JSON.stringify({ port: http.port, pid: process.pid, schedulers: runtime.schedulers })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await http.stop(500);
    await runtime.stop();
    process.exit(0);
  })();
});
