/**
 * What an incident costs under load, counted request by request: the demo
 * server (examples/factorial, 2 scheduler threads) serves 20 keep-alive
 * loops of `GET /factorial?n=20` (the exact client: every request one
 * outcome) while, half-way, one of these happens:
 *
 * - nothing (the baseline);
 * - a reload (SIGHUP to the server, the only process this benchmark signals);
 * - a request to `/chaos/stall` (a handler that never yields: its thread is replaced after 1 s);
 * - a request to `/chaos/leak` (a handler that keeps memory: killed at the thread's soft heap limit).
 *
 * "Lost" counts the load's requests that did not answer 200; the culprit's
 * own request is sent apart and reported apart. PM2's figures for the same
 * incidents on this kind of machine are in ../shared/notes/anchors.md.
 *
 * Usage: npm run bench:operations -w @strand/bench (or bench:operations:smoke)
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { ServerProcess, freePort } from '../fairness/process.js';
import { runExact } from '../http/exact-client.js';
import { loadText, machineText } from '../lib/machine.js';
import { renderMarkdown } from '../lib/report.js';

const smoke = process.argv.includes('--smoke');
const ROOT = new URL('../../..', import.meta.url).pathname;
const DURATION_MS = smoke ? 3_000 : 10_000;
const CONNECTIONS = smoke ? 4 : 20;
type Incident = 'none' | 'reload' | 'stall' | 'leak';

function get(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

async function scenario(incident: Incident) {
  const port = await freePort();
  const server = ServerProcess.start({
    command: process.execPath,
    args: ['--import', 'tsx', 'src/main.ts'],
    cwd: join(ROOT, 'examples', 'factorial'),
    env: { PORT: String(port), SCHEDULERS: '2', THREAD_HEAP_MB: '256', OBSERVER_PORT: '0' },
    ready: /^factorial demo on /,
    readyTimeoutMs: 60_000,
    maxRssBytes: 4 * 1024 ** 3,
  });
  try {
    await server.ready();
    const load = runExact({ url: `http://127.0.0.1:${port}/factorial?n=20`, connections: CONNECTIONS, durationMs: DURATION_MS, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, DURATION_MS / 2));
    let culprit: number | string = '—';
    if (incident === 'reload') process.kill(server.pid, 'SIGHUP');
    if (incident === 'stall') culprit = await get(port, '/chaos/stall');
    if (incident === 'leak') culprit = await get(port, '/chaos/leak');
    const result = await load;
    // The reload's own line: it comes once the new generation takes new processes.
    for (let i = 0; incident === 'reload' && i < 300 && !server.output.some((l) => l.startsWith('reloaded:')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const lost = result.sent - (result.statuses[200] ?? 0);
    return { incident, sent: result.sent, lost, errors: result.errors, timeouts: result.timeouts, statuses: result.statuses, culprit, reloaded: server.output.some((l) => l.startsWith('reloaded:')) };
  } finally {
    await server.stop();
  }
}

const rows: string[][] = [];
let failed = false;
for (const incident of ['none', 'reload', 'stall', 'leak'] as const) {
  const r = await scenario(incident);
  if (incident === 'reload' && !r.reloaded) failed = true;
  console.error(`${incident}: ${r.sent} sent, ${r.lost} lost`);
  rows.push([`${incident}${incident === 'reload' && !r.reloaded ? ' (did not reload!)' : ''}`, String(r.sent), String(r.lost), `${r.errors} / ${r.timeouts}`, String(r.culprit)]);
}
// Markdown on stdout: docs/operations.md ("Under load: what each incident costs") quotes the table.
process.stdout.write(
  renderMarkdown({
    title: `Operations: what each incident costs under load${smoke ? ' (smoke run)' : ''}`,
    meta: [
      ['Command', `\`npm run bench:operations${smoke ? ':smoke' : ''} -w @strand/bench\``],
      ['Machine', machineText()],
      ['Load average (1/5/15 min)', loadText()],
    ],
    tables: [
      {
        title: 'Requests lost per incident',
        intro: `The demo server (examples/factorial, 2 scheduler threads, \`THREAD_HEAP_MB=256\`) under ${CONNECTIONS} keep-alive loops of \`GET /factorial?n=20\` for ${DURATION_MS / 1000} s; half-way through, one incident.`,
        header: ['incident', `requests sent (${CONNECTIONS} loops, ${DURATION_MS / 1000} s)`, 'lost (not 200)', 'of which errors / timeouts', "culprit's own request"],
        rows,
      },
    ],
  }),
);
if (failed) process.exitCode = 1;
