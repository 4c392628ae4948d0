/**
 * Profiles one benchmark with V8's sampling profiler (what `node --cpu-prof`
 * records, started by src/child.ts after the modules are loaded so that the
 * TypeScript loader stays out of the picture) and prints the functions with
 * the most self time:
 *
 *   npm run bench:profile -- ring            (also: ping-pong, spawn, cpu-loop)
 *   npm run bench:profile -- ring '{"sizes":[[10000,100]]}' 30
 *
 * The optional second argument is the benchmark's JSON parameters, the third
 * how many functions to list. Run `npm run build` first so that
 * @strand/core's dist matches its sources.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const DEFAULT_PARAMS: Record<string, object> = {
  ring: { sizes: [[1000, 1000]], repeats: 1 },
  'ping-pong': { n: 1_000_000, repeats: 1 },
  spawn: { n: 1_000_000 },
  'cpu-loop': { repeats: 1 },
};

const [name = 'ring', json, topArg] = process.argv.slice(2);
const params = { smoke: false, ...(json === undefined ? (DEFAULT_PARAMS[name] ?? {}) : (JSON.parse(json) as object)) };
const top = Number(topArg ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'strand-profile-'));
try {
  const file = join(dir, `${name}.cpuprofile`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/child.ts', name, JSON.stringify(params)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 10 * 60_000,
    env: { ...process.env, STRAND_BENCH_CPU_PROFILE: file },
  });
  if (result.status !== 0) throw new Error(`${name} exited with ${result.status ?? result.signal}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

  // Self time per node: each sample's time delta goes to the node it hit.
  const selfTime = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const t = selfTime.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    total += t;
    if (functionName === '(idle)') idle += t;
    const where = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  }
  const busy = total - idle;
  console.log(`${name} ${JSON.stringify(params)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle`);
  console.log('self % of non-idle time   function');
  const rows = [...byFunction.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  for (const [key, t] of rows.slice(0, top)) console.log(`${((t / busy) * 100).toFixed(1).padStart(6)}%  ${key}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
