#!/usr/bin/env node
// `strand-observer ps|top|info|kill`: the observer's API from a terminal.
import { parseArgs } from 'node:util';
import type { ProcessView } from './process-view.js';

/** Default observer address: where `npm run demo` starts it. */
const DEFAULT_URL = 'http://127.0.0.1:4000';
/** How often `top` refreshes (ms): the observer samples once a second. */
const TOP_REFRESH_MS = 1_000;
/** Rows `top` shows. */
const TOP_ROWS = 20;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: DEFAULT_URL },
    json: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    token: { type: 'string' },
  },
});
const [command, ...rest] = positionals;
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (values.token !== undefined) headers.authorization = `Bearer ${values.token}`;

async function call(path: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(values.url + path, { ...init, headers });
  const body = (await response.json()) as { error?: string };
  if (!response.ok) throw new Error(`${response.status}: ${body.error ?? 'request failed'}`);
  return body;
}

function table(processes: ProcessView[]): string {
  const rows = processes.map((p) => [p.pid, p.actor, p.registeredName ?? '', p.status, String(p.reductions), String(p.mailboxLength), p.cpuMs.toFixed(0)]);
  const all = [['PID', 'ACTOR', 'NAME', 'STATUS', 'REDUCTIONS', 'MAILBOX', 'CPU_MS'], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const print = (body: unknown, text: () => string) => console.log(values.json ? JSON.stringify(body) : text());

async function run(): Promise<void> {
  switch (command) {
    case 'ps': {
      const list = (await call('/api/processes?sort=reductions')) as ProcessView[];
      return print(list, () => table(list));
    }
    case 'top': {
      const iterations = values.iterations === undefined ? Infinity : Number(values.iterations);
      if (!(iterations >= 1)) throw new Error('--iterations must be a positive integer');
      for (let i = 0; i < iterations; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, TOP_REFRESH_MS));
        const list = (await call(`/api/processes?sort=reductions&limit=${TOP_ROWS}`)) as ProcessView[];
        if (!values.json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
        print(list, () => table(list));
      }
      return;
    }
    case 'info': {
      const info = await call(`/api/processes/${encodeURIComponent(rest[0] ?? '')}`);
      return print(info, () => Object.entries(info as object).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n'));
    }
    case 'kill': {
      const reason = rest[1];
      const body = await call(`/api/processes/${encodeURIComponent(rest[0] ?? '')}/kill`, {
        method: 'POST',
        body: JSON.stringify(reason === undefined ? {} : { reason }),
      });
      return print(body, () => `killed ${(body as { pid: string }).pid}`);
    }
    default:
      throw new Error(`usage: strand-observer ps|top|info <pid>|kill <pid> [reason] [--url ${DEFAULT_URL}] [--json] [--token T]`);
  }
}

run().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
