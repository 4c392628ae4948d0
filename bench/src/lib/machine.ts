/**
 * What every report says about where it ran: the machine, the load average
 * (the machine is shared, so figures are read against it) and the revision.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** "2 CPUs (availableParallelism), AMD EPYC, 24 GiB RAM, Linux 6.1". */
export function machineText(): string {
  const model = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (availableParallelism), ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`;
}

/** The 1, 5 and 15 minute load averages: "1.20 / 0.80 / 0.50". */
export function loadText(load: readonly number[] = os.loadavg()): string {
  return load.map((l) => l.toFixed(2)).join(' / ');
}

/** `git describe --always --dirty` of the tree `dir` is in. */
export function revision(dir: string): string {
  return spawnSync('git', ['-C', dir, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
}

/** The first meta lines of a report written now: date, machine, Node. */
export function machineMeta(): [string, string][] {
  return [
    ['Date', new Date().toISOString()],
    ['Machine', machineText()],
    ['Node', `${process.version} (V8 ${process.versions.v8})`],
  ];
}
