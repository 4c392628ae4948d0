/**
 * The Erlang/OTP baseline: compiles an Erlang module into a temporary
 * directory at run time (`compileErlang`, used by every runner with an
 * Erlang peer) and, for the core suite, runs erlang/strand_bench.erl's cases
 * with `erl -noshell +S <n>` (`Erlang`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metric } from './metric.js';

const SOURCE = fileURLToPath(new URL('../../erlang/strand_bench.erl', import.meta.url));
/** Compiling one module; `erl` starts slowly on a loaded machine. */
const COMPILE_TIMEOUT_MS = 120_000;

/**
 * Compiles `source` into a fresh temporary directory (for `erl -pa <dir>`),
 * with erlc, or compile:file when only erl is installed. Undefined when
 * `erl` is not installed; the caller removes the directory.
 */
export function compileErlang(source: string): string | undefined {
  if (!found('erl')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'strand-bench-erl-'));
  if (found('erlc')) {
    check(spawnSync('erlc', ['-o', dir, source], { encoding: 'utf8', timeout: COMPILE_TIMEOUT_MS }), `erlc ${source}`);
  } else {
    const expr = `case compile:file(${JSON.stringify(source)}, [{outdir, ${JSON.stringify(dir)}}, report]) of {ok, _} -> halt(0); _ -> halt(1) end.`;
    check(spawnSync('erl', ['-noshell', '-eval', expr], { encoding: 'utf8', timeout: COMPILE_TIMEOUT_MS }), `erl compile:file ${source}`);
  }
  return dir;
}

export interface ErlangInfo {
  readonly otp: string;
  readonly erts: string;
}

export class Erlang {
  private constructor(
    private readonly dir: string,
    readonly info: ErlangInfo,
  ) {}

  /** Compiles the baseline; undefined when `erl` is not installed. */
  static setUp(): Erlang | undefined {
    const dir = compileErlang(SOURCE);
    if (dir === undefined) return undefined;
    const lines = runErl(dir, 1, ['info']);
    const value = (key: string): string => lines.find((l) => l.startsWith(`INFO ${key} `))?.slice(key.length + 6) ?? '?';
    return new Erlang(dir, { otp: value('otp'), erts: value('erts') });
  }

  /** Runs cases (`spawn:1000000`, `ring:1000:1000`, `pingpong:1000000`) on `schedulers` schedulers. */
  run(schedulers: 1 | 2, cases: readonly string[]): Metric[] {
    return runErl(this.dir, schedulers, cases)
      .filter((l) => l.startsWith('METRIC '))
      .map((l) => {
        const [, id, value, ...unit] = l.split(' ');
        return { id: id!, value: Number(value), unit: unit.join(' ') };
      });
  }

  cleanUp(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function runErl(dir: string, schedulers: number, cases: readonly string[]): string[] {
  const args = ['-noshell', '+S', String(schedulers), '+P', '4000000', '-pa', dir, '-run', 'strand_bench', 'main', ...cases];
  const result = spawnSync('erl', args, { encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 16 << 20 });
  check(result, `erl ${args.join(' ')}`);
  return result.stdout.split('\n');
}

/** Whether `command` is on the PATH. */
export function found(command: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

/** The child's stdout; throws with its output when it failed. */
export function check(result: ReturnType<typeof spawnSync>, what: string): string {
  if (result.error !== undefined) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status ?? result.signal}\n${String(result.stdout).slice(0, 2000)}\n${String(result.stderr)}`);
  }
  return String(result.stdout);
}
