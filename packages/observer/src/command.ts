/**
 * The observer's commands from a terminal: `strand ps|top|info|kill|tree|reload`
 * (through @strand/cli's `strand` bin) and `strand-observer …` (this
 * package's bin, the same commands). Each talks to a running observer's
 * HTTP API; imported by @strand/cli as `@strand/observer/cli`.
 */
import { parseArgs } from 'node:util';
import type { ReloadReport } from '@strand/pool';
import type { ProcessView } from './process-view.js';
import type { SupervisionTree, TreeNode } from './supervision-tree.js';

/** Default observer address: where `npm run demo` starts it. */
export const DEFAULT_OBSERVER_URL = 'http://127.0.0.1:4000';
/** How often `top` refreshes (ms): the observer samples once a second. */
const TOP_REFRESH_MS = 1_000;
/** Rows `top` shows. */
const TOP_ROWS = 20;
/** Exit code of a command line that is not one (unknown command, missing argument): as `strand` itself. */
const USAGE_EXIT_CODE = 2;

export const OBSERVER_COMMANDS = ['ps', 'top', 'info', 'kill', 'tree', 'reload', 'trace'] as const;
export type ObserverCommand = (typeof OBSERVER_COMMANDS)[number];

export function isObserverCommand(word: string | undefined): word is ObserverCommand {
  return (OBSERVER_COMMANDS as readonly (string | undefined)[]).includes(word);
}

/** The usage lines of the observer commands, under the program name `bin`. */
export function observerUsage(bin: string): string {
  const options = `[--url ${DEFAULT_OBSERVER_URL}] [--token T] [--json]`;
  return [
    `  ${bin} ps ${options}                 every process, busiest first`,
    `  ${bin} top [--iterations N] ${options}   the ${TOP_ROWS} busiest, refreshed every second`,
    `  ${bin} info <pid> ${options}         one process`,
    `  ${bin} kill <pid> [normal|shutdown|kill] ${options}`,
    `  ${bin} tree ${options}               the supervision tree`,
    `  ${bin} reload ${options}             load new code (rt.reload())`,
    `  ${bin} trace <pid> [--limit N] ${options}   what it receives, sends, spawns, and its end, as it happens`,
  ].join('\n');
}

class UsageError extends Error {}

/**
 * Runs one command line (`args` without node and the script: `['ps', '--json']`)
 * against an observer; output on stdout, errors on stderr. Resolves with the
 * exit code: 0, 1 when the observer answered an error or could not be
 * reached (`<status>: <message>`), 2 for a command line that is not one.
 */
export async function runObserverCommand(args: readonly string[], bin = 'strand'): Promise<number> {
  try {
    await run(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nusage:\n${observerUsage(bin)}`);
      return USAGE_EXIT_CODE;
    }
    console.error((error as Error).message);
    return 1;
  }
}

async function run(args: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        url: { type: 'string', default: DEFAULT_OBSERVER_URL },
        json: { type: 'boolean', default: false },
        iterations: { type: 'string' },
        limit: { type: 'string' },
        token: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (values.token !== undefined) headers.authorization = `Bearer ${values.token}`;

  const call = async (path: string, init?: RequestInit): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(values.url + path, { ...init, headers });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach the observer at ${values.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const body = (await response.json()) as { error?: string };
    if (!response.ok) throw new Error(`${response.status}: ${body.error ?? 'request failed'}`);
    return body;
  };
  const print = (body: unknown, text: () => string) => console.log(values.json ? JSON.stringify(body) : text());
  const pidArgument = (): string => {
    const pid = rest[0];
    if (pid === undefined) throw new UsageError(`${command}: which process? give its pid (<0.12.1> or a number)`);
    return encodeURIComponent(pid);
  };

  switch (command) {
    case 'ps': {
      const list = (await call('/api/processes?sort=reductions')) as ProcessView[];
      return print(list, () => table(list));
    }
    case 'top': {
      const iterations = values.iterations === undefined ? Infinity : Number(values.iterations);
      if (!(Number.isInteger(iterations) || iterations === Infinity) || iterations < 1) {
        throw new UsageError('--iterations must be a positive integer');
      }
      for (let i = 0; i < iterations; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, TOP_REFRESH_MS));
        const list = (await call(`/api/processes?sort=reductions&limit=${TOP_ROWS}`)) as ProcessView[];
        if (!values.json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
        print(list, () => table(list));
      }
      return;
    }
    case 'info': {
      const info = await call(`/api/processes/${pidArgument()}`);
      return print(info, () => Object.entries(info as object).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n'));
    }
    case 'kill': {
      const path = `/api/processes/${pidArgument()}/kill`;
      const reason = rest[1];
      const body = await call(path, { method: 'POST', body: JSON.stringify(reason === undefined ? {} : { reason }) });
      return print(body, () => `killed ${(body as { pid: string }).pid}`);
    }
    case 'tree': {
      const tree = (await call('/api/tree')) as SupervisionTree;
      return print(tree, () => treeText(tree));
    }
    case 'reload': {
      const report = (await call('/api/reload', { method: 'POST', body: '{}' })) as ReloadReport;
      return print(report, () => {
        const draining = report.draining.length === 0 ? '' : `; draining ${report.draining.join(', ')}`;
        return `reloaded: generation ${report.generation} on schedulers ${report.schedulers.join(', ')}${draining}`;
      });
    }
    case 'trace': {
      const limit = values.limit === undefined ? '' : `?limit=${encodeURIComponent(values.limit)}`;
      for await (const event of serverSentEvents(values.url + `/api/processes/${pidArgument()}/trace${limit}`, headers)) {
        print(event, () => traceLine(event));
      }
      return;
    }
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command ${JSON.stringify(command)}`);
  }
}

function table(processes: ProcessView[]): string {
  const rows = processes.map((p) => [p.pid, p.actor, p.registeredName ?? '', p.status, String(p.reductions), String(p.mailboxLength), p.cpuMs.toFixed(0)]);
  const all = [['PID', 'ACTOR', 'NAME', 'STATUS', 'REDUCTIONS', 'MAILBOX', 'CPU_MS'], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * The tree, two spaces per level: `id pid actor type restart`, then a
 * supervisor's `strategy intensity/period` (a root has no id, type or restart):
 *
 *     <0.1.2> strand.RootSupervisor one_for_one 1/5000ms
 *       cache <0.3.2> Cache worker permanent
 */
function treeText(tree: SupervisionTree): string {
  const lines: string[] = [];
  const visit = (node: TreeNode, depth: number) => {
    const words = [
      node.id,
      node.pid ?? '(not running)',
      node.actor,
      node.restart === null ? null : node.type,
      node.restart,
      node.strategy === undefined ? null : `${node.strategy} ${node.intensity}/${node.period}ms`,
      node.error === undefined ? null : `(no answer: ${node.error})`,
    ];
    lines.push('  '.repeat(depth) + words.filter((w) => w !== null).join(' '));
    for (const child of node.children ?? []) visit(child, depth + 1);
  };
  for (const root of tree.roots) visit(root, 0);
  if (tree.roots.length === 0) lines.push('(no supervisors)');
  lines.push(`${tree.unsupervised} other process${tree.unsupervised === 1 ? '' : 'es'} outside the tree`);
  return lines.join('\n');
}

/** The `data` of each server-sent event of `url`, parsed, until the stream ends. */
async function* serverSentEvents(url: string, headers: Record<string, string>): AsyncGenerator<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the observer at ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok || response.body === null) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(`${response.status}: ${body.error ?? 'request failed'}`);
  }
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const data = buffered
        .slice(0, end)
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      buffered = buffered.slice(end + 2);
      if (data !== '') yield JSON.parse(data) as Record<string, unknown>;
    }
  }
}

/** `12:00:01.234 <0.5.1> receive {"op":"ping"}` */
function traceLine(event: Record<string, unknown>): string {
  const time = new Date(event.at as number).toISOString().slice(11, 23);
  const { type: _type, pid, id: _id, at: _at, event: what, ...rest } = event;
  const details = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [time, pid, what, ...details].join(' ');
}
