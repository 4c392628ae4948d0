/**
 * Drives a node started from fixtures/node-script.ts in its own OS process:
 * commands go in on stdin, answers and reports come back on stdout.
 * `waitFor` waits for a report by outcome, with a bound that fails the test
 * with everything the node said, never a sleep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./fixtures/node-script.ts', import.meta.url));
/** Outcome bound for one answer or report: generous, for a machine other programs load. */
const WAIT_MS = 25_000;
/** Outcome bound for a node to start (Node, tsx, its threads) and join. */
const START_WAIT_MS = 60_000;
/** What is kept of a node's stderr for a failure message: its end. */
const STDERR_KEPT_CHARS = 64 * 1024;

type Line = Record<string, any>;

export class NodeProcess {
  readonly lines: Line[] = [];
  private readonly waiters: { match: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  private nextId = 1;
  private stderr = '';
  number = 0;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        this.keepStderr(`${text}\n`);
        return;
      }
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.match(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => this.keepStderr(chunk.toString()));
  }

  private keepStderr(text: string): void {
    this.stderr = (this.stderr + text).slice(-STDERR_KEPT_CHARS);
  }

  /** Starts a node process and waits until it has joined the cluster. */
  static async start(url: string, name: string, cluster: string): Promise<NodeProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, url, name, cluster], { stdio: ['pipe', 'pipe', 'pipe'] });
    const node = new NodeProcess(name, child);
    const ready = await node.waitFor((l) => l.event === 'ready', 'ready line', START_WAIT_MS);
    node.number = ready.node as number;
    return node;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The end of what the node wrote on stderr so far. */
  get stderrTail(): string {
    return this.stderr;
  }

  /** Sends a command and resolves with its answer; rejects with the node's error. */
  async request(cmd: string, args: Line = {}): Promise<Line> {
    const id = this.nextId++;
    this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    const answer = await this.waitFor((l) => l.id === id);
    if (!answer.ok) throw Object.assign(new Error(answer.error.message as string), { name: answer.error.name as string });
    return answer;
  }

  /** Spawns an agent on this node; tells it `command` with `tell`. */
  async spawnAgent(): Promise<number> {
    return (await this.request('spawn')).pid as number;
  }

  async tell(pid: number, command: Line): Promise<void> {
    await this.request('tell', { pid, command });
  }

  /** The first line (already seen or to come) that matches. */
  waitFor(match: (line: Line) => boolean, what = 'a line', bound = WAIT_MS): Promise<Line> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`node ${this.name}: no ${what} within ${bound} ms; it said:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr}`));
      }, bound);
      const waiter = {
        match,
        resolve: (line: Line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** A report from agent `from` that matches. */
  report(from: number, match: (report: Line) => boolean, what = 'report'): Promise<Line> {
    return this.waitFor((l) => l.event === 'report' && l.report?.from === from && match(l.report), what).then((l) => l.report as Line);
  }

  /** Every report so far from agent `from`. */
  reports(from: number): Line[] {
    return this.lines.filter((l) => l.event === 'report' && l.report?.from === from).map((l) => l.report as Line);
  }

  /** Kills the node process with SIGKILL (`kill -9`): no goodbye reaches the cluster. */
  async kill9(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    process.kill(this.child.pid!, 'SIGKILL');
    await exited;
  }

  /** Stops the node cleanly (processes end, names released, the node leaves), or kills it if it does not answer. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.request('stop').catch(() => this.kill9());
    await exited;
  }
}

/** Bound on waiting for nodes to list one another again: an outcome bound, not a speed limit. */
const REJOIN_WAIT_MS = 30_000;

/** The names each node lists as members (sorted), once every node lists every other, or as they stand at the bound. */
export async function membersOnceRejoined(nodes: readonly NodeProcess[]): Promise<string[][]> {
  const listed = async (): Promise<string[][]> =>
    Promise.all(nodes.map(async (node) => ((await node.request('nodes')).nodes as { name: string }[]).map((n) => n.name).sort()));
  let seen = await listed();
  for (const deadline = Date.now() + REJOIN_WAIT_MS; Date.now() < deadline && !seen.every((names) => nodes.every((n) => names.includes(n.name))); ) {
    seen = await listed();
  }
  return seen;
}
