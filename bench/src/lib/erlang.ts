/**
 * The Erlang/OTP baseline: compiles erlang/strand_bench.erl into a temporary
 * directory at run time and runs its cases with `erl -noshell +S <n>`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metric } from './metric.js';

const SOURCE = fileURLToPath(new URL('../../erlang/strand_bench.erl', import.meta.url));

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
    if (!found('erl')) return undefined;
    const dir = mkdtempSync(join(tmpdir(), 'strand-bench-erl-'));
    if (found('erlc')) {
      check(spawnSync('erlc', ['-o', dir, SOURCE], { encoding: 'utf8' }), 'erlc');
    } else {
      const expr = `case compile:file(${JSON.stringify(SOURCE)}, [{outdir, ${JSON.stringify(dir)}}, report]) of {ok, _} -> halt(0); _ -> halt(1) end.`;
      check(spawnSync('erl', ['-noshell', '-eval', expr], { encoding: 'utf8' }), 'erl compile:file');
    }
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

function found(command: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

function check(result: ReturnType<typeof spawnSync>, what: string): void {
  if (result.error !== undefined) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status ?? result.signal}\n${String(result.stdout)}\n${String(result.stderr)}`);
  }
}
