/**
 * Summarises the `.cpuprofile` files of a profiled HTTP benchmark run
 * (`npm run bench:http -- --smoke --cpu-prof`): per file (one per thread),
 * self time by where the code lives and the functions with the most self time.
 *
 *   node --import tsx src/http/profile-summary.ts [DIR]     default: $TMPDIR/strand-http-profiles
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

interface Node {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly Node[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const dir = process.argv[2] ?? join(tmpdir(), 'strand-http-profiles');
const top = Number(process.env.TOP ?? 25);
/** Functions whose inclusive time is shown (name, or name@file): the gateway's steps and the I/O around them. */
const INCLUSIVE = (
  process.env.INCLUSIVE ??
  'flush@port-router,dispatch@serve,finish@serve,accept@serve,spawn@serve,findUncloneable,nanoid,URL,parserOnHeadersComplete,parserOnIncoming,writevGeneric,runSlice'
).split(',');

function files(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const full = join(path, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith('.cpuprofile') ? [full] : [];
  });
}

/** Where a frame's code lives, coarsely. */
function area(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : `(native) ${fn}`;
  const strand = /packages\/(\w+)\//.exec(url);
  if (strand !== null) return `@strand/${strand[1]}`;
  if (url.includes('/bench/')) return 'bench';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1]!;
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([^/]+(?:\/[^/]+)?)/.exec(url);
    return `node:${m?.[1] ?? url}`;
  }
  return url;
}

for (const file of files(dir).sort()) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + t);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|node_modules|bench)\//, '$1/')}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + t);
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const counted = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url } = byId.get(cur)!.callFrame;
      for (const wanted of INCLUSIVE) {
        const [name, file] = wanted.split('@');
        if (functionName === name && (file === undefined || url.includes(file)) && !counted.has(wanted)) {
          counted.add(wanted);
          inclusive.set(wanted, (inclusive.get(wanted) ?? 0) + t);
        }
      }
    }
  }
  const pct = (t: number): string => `${((t / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(`\n== ${file}\n   ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s not idle; shares below are of the non-idle time`);
  console.log('   by area:');
  for (const [a, t] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`   ${pct(t)}  ${a}`);
  console.log('   inclusive time of:');
  for (const [f, t] of [...inclusive].sort((x, y) => y[1] - x[1])) console.log(`   ${pct(t)}  ${f}`);
  console.log(`   top ${top} functions (self time):`);
  for (const [f, t] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`   ${pct(t)}  ${f}`);
}
