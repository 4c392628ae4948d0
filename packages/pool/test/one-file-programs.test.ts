// A program in one file — its actors, `await Strand.start()` and what it
// does — runs as written however it is started: the scheduler threads that
// import the file stop at `Strand.start()` (nothing after it runs twice),
// and they get the TypeScript loader the main thread runs under, with no
// preload file.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROGRAMS = new URL('./fixtures/programs/', import.meta.url);
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');
/** Generous: a loaded machine starts Node, tsx and two threads slowly; the point is that it ends at all. */
const PROGRAM_TIMEOUT_MS = 60_000;

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: fileURLToPath(PROGRAMS), timeout: PROGRAM_TIMEOUT_MS, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null) ?? null, stdout, stderr }),
    );
  });
}

const program = (name: string): string => fileURLToPath(new URL(name, PROGRAMS));

describe('one-file programs', () => {
  it.each([
    ['npx tsx counter.ts', [TSX_CLI, program('counter.ts')]],
    ['node --import tsx counter.ts', ['--import', 'tsx', program('counter.ts')]],
    ['node counter.mjs (compiled JavaScript)', [program('counter.mjs')]],
  ])('%s prints the counter and exits', async (_how, args) => {
    const outcome = await run(args);
    expect(outcome).toMatchObject({ code: 0, stdout: '1\n' });
  }, PROGRAM_TIMEOUT_MS + 10_000);

  it('runs a dirty task defined in the same file on a dirty thread', async () => {
    const outcome = await run([TSX_CLI, program('dirty-in-one-file.ts')]);
    expect(outcome).toMatchObject({ code: 0, stdout: '144\n' });
  }, PROGRAM_TIMEOUT_MS + 10_000);

  it('an actor defined after await Strand.start() exits with an error that says where to define it; the others run', async () => {
    const outcome = await run([TSX_CLI, program('actor-after-start.ts')]);
    expect(outcome.code).toBe(0);
    const [late, early] = outcome.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(late).toMatchObject({
      error: { name: 'InvalidActorError', message: expect.stringMatching(/"Late".*before `await Strand\.start\(\)`/) },
    });
    expect(early).toBe('killed');
  }, PROGRAM_TIMEOUT_MS + 10_000);
});
