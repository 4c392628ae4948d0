/**
 * The servers the fairness benchmark compares, each a command started as a
 * child process on a port it is given: Strand (examples/factorial, two
 * policies), plain node:http, node:cluster, Piscina and Erlang/OTP (compiled
 * here at run time, when `erl` is installed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileErlang } from '../lib/erlang.js';
import { BENCH, FACTORIAL, MAX_RSS_BYTES } from './plan.js';
import { ServerProcess } from './process.js';

const ERLANG_SOURCE = join(BENCH, 'erlang', 'fairness', 'fairness_server.erl');
/** How long a server may take to print its ready line (Strand loads its threads through tsx). */
const READY_TIMEOUT_MS = 60_000;

export interface ServerSpec {
  readonly id: string;
  readonly label: string;
  readonly model: string;
  /** Strand serves /progress: long jobs' progress is observable. */
  readonly strand: boolean;
  start(port: number): ServerProcess;
}

const node = (script: string, cwd: string, env: Record<string, string>) => (port: number) =>
  ServerProcess.start({
    command: process.execPath,
    args: ['--import', 'tsx', script],
    cwd,
    // The demo's observer on a free port: a benchmark run must not depend on 4000 being free.
    env: { ...env, PORT: String(port), ...(script.endsWith('main.ts') ? { OBSERVER_PORT: '0' } : {}) },
    ready: script.endsWith('main.ts') ? /^factorial demo on / : /^READY /,
    readyTimeoutMs: READY_TIMEOUT_MS,
    maxRssBytes: MAX_RSS_BYTES,
  });

export const NODE_SERVERS: readonly ServerSpec[] = [
  {
    id: 'strand-la',
    label: 'Strand, least-attained',
    model: 'examples/factorial: a process per request, 2 scheduler threads, `POLICY=least-attained` (the default)',
    strand: true,
    start: node('src/main.ts', FACTORIAL, { SCHEDULERS: '2', POLICY: 'least-attained' }),
  },
  {
    id: 'strand-rr',
    label: 'Strand, round-robin',
    model: 'examples/factorial, 2 scheduler threads, `POLICY=round-robin`',
    strand: true,
    start: node('src/main.ts', FACTORIAL, { SCHEDULERS: '2', POLICY: 'round-robin' }),
  },
  {
    id: 'plain',
    label: 'node:http',
    model: 'plain `node:http`, n! computed inline by a BigInt loop (bench/src/fairness/servers/plain.ts)',
    strand: false,
    start: node('src/fairness/servers/plain.ts', BENCH, {}),
  },
  {
    id: 'cluster',
    label: 'node:cluster, 2 workers',
    model: '`node:cluster`, 2 workers with the same handler, round-robin distribution (the PM2 cluster-mode model)',
    strand: false,
    start: node('src/fairness/servers/cluster.ts', BENCH, { WORKERS: '2' }),
  },
  {
    id: 'piscina',
    label: 'Piscina, 2 threads',
    model: '`node:http` + Piscina 5 with 2 threads (FIFO queue; task aborted when its client leaves)',
    strand: false,
    start: node('src/fairness/servers/piscina.ts', BENCH, { THREADS: '2' }),
  },
];

function erlangSpec(dir: string): ServerSpec {
  return {
    id: 'erlang',
    label: 'Erlang/OTP, +S 2',
    model: 'a process per request (gen_tcp server, process per connection, computing process killed if the client leaves), `erl -noshell +S 2`',
    strand: false,
    start: (port) =>
      ServerProcess.start({
        command: 'erl',
        args: ['-noshell', '+S', '2', '-pa', dir, '-run', 'fairness_server', 'main', String(port)],
        cwd: BENCH,
        env: {},
        ready: /^READY /,
        readyTimeoutMs: READY_TIMEOUT_MS,
        maxRssBytes: MAX_RSS_BYTES,
      }),
  };
}

export interface ErlangServer {
  readonly spec?: ServerSpec;
  /** The compiled server: removed by the caller when the run ends. */
  readonly dir?: string;
  readonly otp: string;
  /** Why Erlang is not in the run. */
  readonly note?: string;
}

/** Compiles the Erlang server into a temporary directory; no spec when `erl` is not installed. */
export function erlangSetUp(): ErlangServer {
  const dir = compileErlang(ERLANG_SOURCE);
  if (dir === undefined) return { otp: 'not installed', note: 'Erlang: skipped (apt-get install erlang-base erlang-inets)' };
  const otp = spawnSync(
    'erl',
    ['-noshell', '-eval', 'R = erlang:system_info(otp_release), F = filename:join([code:root_dir(), "releases", R, "OTP_VERSION"]), V = case file:read_file(F) of {ok, B} -> string:trim(binary_to_list(B)); _ -> R end, io:format("~s (ERTS ~s)~n", [V, erlang:system_info(version)]), halt().'],
    { encoding: 'utf8', timeout: 60_000 },
  ).stdout.trim();
  return { spec: erlangSpec(dir), dir, otp };
}

export function piscinaVersion(): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('piscina'));
    while (!existsSync(join(dir, 'package.json')) || !/"name":\s*"piscina"/.test(readFileSync(join(dir, 'package.json'), 'utf8'))) {
      if (dirname(dir) === dir) return '?';
      dir = dirname(dir);
    }
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}
