/**
 * Starting the benchmark's servers as child processes, reading how much CPU
 * they use, and ending them by pid.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server wrote on stderr (crash reports, 500 logs, stall reports). */
  stderr(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves with how it ended. */
  kill(graceMs?: number): Promise<string>;
}

/** Starts `node [nodeArgs] --import tsx <script> [args]` from bench/ and waits for its `{"port":N}` line. */
export async function startServer(
  name: string,
  script: string,
  args: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal !== null ? `signal ${signal}` : `exit code ${code}`)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no port after 30 s; stderr:\n${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
      } catch (error) {
        reject(error);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening; stderr:\n${err}`));
    });
  });
  const pid = child.pid!;
  return {
    name,
    pid,
    port,
    url: `http://127.0.0.1:${port}/`,
    child,
    stderr: () => err,
    async kill(graceMs = 3_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return exited;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}

let clockTicks: number | undefined;

/** CPU time (user + system, all threads) used so far by process `pid`, in ms; undefined off Linux. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** Measures the CPU a process uses while `work` runs: in ms, and as a percentage of one core. */
export async function withCpu<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; cpuMs: number | undefined; cpuPercent: number | undefined }> {
  const cpu0 = cpuTimeMs(pid);
  const t0 = performance.now();
  const result = await work();
  const cpu1 = cpuTimeMs(pid);
  const wall = performance.now() - t0;
  const cpuMs = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
  return { result, cpuMs, cpuPercent: cpuMs === undefined ? undefined : (cpuMs / wall) * 100 };
}
