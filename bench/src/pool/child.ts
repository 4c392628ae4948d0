/**
 * Runs one pool benchmark module in this Node process and prints its figures
 * on one line for the runner (src/pool/run.ts):
 *
 *   node --import tsx src/pool/child.ts <name> [json params]
 */
import { RESULT_PREFIX, type BenchFn, type BenchParams } from '../lib/metric.js';

const modules: Record<string, () => Promise<{ run: BenchFn }>> = {
  ring: () => import('./ring.js'),
  'raw-ring': () => import('./raw-ring.js'),
  cpu: () => import('./cpu.js'),
  spawn: () => import('./spawn.js'),
  spread: () => import('./spread.js'),
  placement: () => import('./placement.js'),
};

const [name, json] = process.argv.slice(2);
const load = name === undefined ? undefined : modules[name];
if (load === undefined) {
  process.stderr.write(`usage: child.ts <${Object.keys(modules).join('|')}> [json params]\n`);
  process.exit(2);
}
const params = (json === undefined ? { smoke: false } : JSON.parse(json)) as BenchParams;
const { run } = await load();
const metrics = await run(params);
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(metrics)}\n`);
