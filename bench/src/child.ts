/**
 * Runs one benchmark module in this Node process and prints its figures on
 * one line for the runner (src/run.ts, src/pool/run.ts):
 * `node [--expose-gc] --import tsx src/child.ts <name> [json params]`.
 *
 * With STRAND_BENCH_CPU_PROFILE=<file> set, the run (not the module loading
 * before it) is recorded with V8's CPU profiler into that file (src/profile.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { RESULT_PREFIX, type BenchFn, type BenchParams } from './lib/metric.js';

const modules: Record<string, () => Promise<{ run: BenchFn }>> = {
  spawn: () => import('./core/spawn.js'),
  ring: () => import('./core/ring.js'),
  'ping-pong': () => import('./core/ping-pong.js'),
  'cpu-loop': () => import('./core/cpu-loop.js'),
  micro: () => import('./micro.js'),
  registry: () => import('./core/registry.js'),
  'pool/ring': () => import('./pool/ring.js'),
  'pool/raw-ring': () => import('./pool/raw-ring.js'),
  'pool/cpu': () => import('./pool/cpu.js'),
  'pool/spawn': () => import('./pool/spawn.js'),
  'pool/spread': () => import('./pool/spread.js'),
  'pool/placement': () => import('./pool/placement.js'),
};

const [name, json] = process.argv.slice(2);
const load = name === undefined ? undefined : modules[name];
if (load === undefined) {
  process.stderr.write(`usage: child.ts <${Object.keys(modules).join('|')}> [json params]\n`);
  process.exit(2);
}
const params = (json === undefined ? { smoke: false } : JSON.parse(json)) as BenchParams;
const { run } = await load();
const profileTo = process.env.STRAND_BENCH_CPU_PROFILE;
let session: Session | undefined;
if (profileTo !== undefined && profileTo !== '') {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const metrics = await run(params);
if (session !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileTo!, JSON.stringify(profile));
  session.disconnect();
}
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(metrics)}\n`);
