/**
 * Server processes of the fairness benchmark: each is started in a process
 * group of its own (so that node:cluster workers and Erlang's helpers belong
 * to it), watched for its memory, and ended by its group id, which is the
 * pid of the process this benchmark started. Nothing else is ever signalled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

const PAGE = 4096;

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** A line on stdout that says the server is ready. */
  readonly ready: RegExp;
  readonly readyTimeoutMs: number;
  /** The group is killed when its resident memory passes this. */
  readonly maxRssBytes: number;
}

export class ServerProcess {
  readonly output: string[] = [];
  readyLine = '';
  peakRssBytes = 0;
  /** Set when the memory guard had to end the server. */
  killedForMemory: string | undefined;
  private exited = false;
  private readonly exit: Promise<void>;
  private readonly sampler: ReturnType<typeof setInterval>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: StartOptions,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.output.push(`[exited: ${signal ?? code}]`);
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (this.output.length < 2_000) this.output.push(line);
      });
    }
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
    LIVE.add(this);
  }

  static start(options: StartOptions): ServerProcess {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new ServerProcess(child, options);
  }

  /** False once the server's first process has exited. */
  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the ready line; rejects if the process exits or stays silent too long. */
  async ready(): Promise<string> {
    const deadline = performance.now() + this.options.readyTimeoutMs;
    while (performance.now() < deadline) {
      const line = this.output.find((l) => this.options.ready.test(l));
      if (line !== undefined) return (this.readyLine = line);
      if (this.exited) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`server did not get ready (${this.exited ? 'it exited' : 'timed out'}):\n${this.output.slice(-20).join('\n')}`);
  }

  /** Resident memory of every process of the group now, in bytes. */
  rssBytes(): number {
    let total = 0;
    for (const pid of groupPids(this.pid)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        total += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[21]) * PAGE;
      } catch {
        // gone meanwhile
      }
    }
    return total;
  }

  private sample(): void {
    if (this.exited) return;
    const rss = this.rssBytes();
    this.peakRssBytes = Math.max(this.peakRssBytes, rss);
    if (rss > this.options.maxRssBytes && this.killedForMemory === undefined) {
      this.killedForMemory = `killed by the benchmark at ${(rss / 2 ** 30).toFixed(1)} GiB resident (limit ${(this.options.maxRssBytes / 2 ** 30).toFixed(0)} GiB)`;
      this.signal('SIGKILL');
    }
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone
    }
  }

  /** Ends the server's process group: SIGTERM, then SIGKILL after a grace period; waits until every process of it is gone. */
  async stop(graceMs = 1_000): Promise<void> {
    clearInterval(this.sampler);
    this.signal('SIGTERM');
    const deadline = performance.now() + graceMs;
    while (performance.now() < deadline && groupPids(this.pid).length > 0) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100 && groupPids(this.pid).length > 0; i++) {
      this.signal('SIGKILL');
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.race([this.exit, new Promise((r) => setTimeout(r, 2_000))]);
    LIVE.delete(this);
    const left = groupPids(this.pid);
    if (left.length > 0) throw new Error(`processes of group ${this.pid} still alive: ${left.join(' ')}`);
  }

  /** Synchronous last resort when the benchmark itself exits. */
  killNow(): void {
    this.signal('SIGKILL');
  }
}

const LIVE = new Set<ServerProcess>();
process.once('exit', () => {
  for (const server of LIVE) server.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const server of LIVE) server.killNow();
    process.exit(130);
  });
}

/** Pids whose process group is `pgid` (zombies excluded). */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
