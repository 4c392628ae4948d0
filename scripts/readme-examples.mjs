#!/usr/bin/env node
/**
 * Runs the READMEs' examples as a user would: packs every package, installs
 * the tarballs into a new project outside the monorepo, writes each example
 * there as the file it names, type-checks them all against the installed
 * types, and runs each runnable one with `npx tsx` and, compiled, with
 * plain `node`, asserting what it prints.
 *
 * An example is a ```ts block whose first line is `// file: NAME.ts`.
 * It is runnable when it says what it prints: a line ending in
 * `// prints: TEXT` expects TEXT as the next line of its output.
 *
 * Usage: node scripts/readme-examples.mjs   (after `npm ci`; it builds first)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A program that has not ended by then hangs: the failure this check exists for. */
const RUN_TIMEOUT_MS = 60_000;
const root = new URL('..', import.meta.url).pathname;
const readmes = ['README.md', ...readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'README.md'))].filter((f) =>
  existsSync(join(root, f)),
);

const examples = readmes.flatMap((readme) => extract(readme));
if (examples.length === 0) fail('no examples found: a README block must start with `// file: NAME.ts`');
const names = new Set();
for (const e of examples) {
  if (names.has(e.file)) fail(`two examples are named ${e.file} (${e.readme})`);
  names.add(e.file);
}

const work = mkdtempSync(join(tmpdir(), 'strand-readme-'));
const packs = join(work, 'packs');
const project = join(work, 'project');
let failed = 0;
let passed = 0;
try {
  step('build', () => execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }));
  step('pack', () => {
    execFileSync('mkdir', ['-p', packs, project]);
    const workspaces = readdirSync(join(root, 'packages')).flatMap((p) => ['-w', join('packages', p)]);
    execFileSync('npm', ['pack', ...workspaces, '--pack-destination', packs, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  });
  step('install into a project outside the monorepo', () => {
    const devDependencies = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'strand-readme-examples', private: true, type: 'module' }, null, 2));
    const tarballs = readdirSync(packs).map((t) => join(packs, t));
    const tools = [`tsx@${devDependencies.tsx}`, `typescript@${devDependencies.typescript}`, '@types/node@^20.19.0'];
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...tools], { cwd: project, stdio: 'inherit' });
  });
  for (const e of examples) writeFileSync(join(project, e.file), e.code);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'dist', types: ['node'], skipLibCheck: false },
      include: examples.map((e) => e.file),
    }),
  );
  check('the examples type-check against the installed packages (tsc)', () => run(['node_modules/typescript/bin/tsc', '-p', '.']), []);
  for (const e of examples.filter((x) => x.prints.length > 0)) {
    check(`${e.readme}: npx tsx ${e.file}`, () => run(['node_modules/tsx/dist/cli.mjs', e.file]), e.prints);
    check(`${e.readme}: node dist/${e.file.replace(/\.ts$/, '.js')} (compiled)`, () => run([join('dist', e.file.replace(/\.ts$/, '.js'))]), e.prints);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`readme examples: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

function extract(readme) {
  const text = readFileSync(join(root, readme), 'utf8');
  const found = [];
  for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = match[1];
    const header = /^\/\/ file: (\S+\.ts)\s*\n/.exec(code);
    if (header === null) continue;
    const prints = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1].trim());
    found.push({ readme, file: header[1], code, prints });
  }
  return found;
}

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: project, timeout: RUN_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.error?.code === 'ETIMEDOUT') return { ok: false, why: `did not end within ${RUN_TIMEOUT_MS} ms`, stdout: result.stdout, stderr: result.stderr };
  return { ok: result.status === 0, why: `exit code ${result.status}`, stdout: result.stdout, stderr: result.stderr };
}

function check(title, go, expected) {
  const outcome = go();
  const lines = outcome.stdout.split('\n').filter((l) => l.length > 0);
  const missing = expected.filter((line, i) => lines[i] !== line);
  if (outcome.ok && missing.length === 0) {
    passed++;
    console.log(`ok   ${title}`);
    return;
  }
  failed++;
  console.log(`FAIL ${title}: ${outcome.ok ? `printed ${JSON.stringify(lines)}, expected ${JSON.stringify(expected)}` : outcome.why}`);
  if (outcome.stdout) console.log(indent(outcome.stdout));
  if (outcome.stderr) console.log(indent(outcome.stderr));
}

function step(title, go) {
  console.log(`---- ${title}`);
  go();
}

function fail(message) {
  console.error(`readme examples: ${message}`);
  process.exit(1);
}

function indent(text) {
  return text.trimEnd().split('\n').map((l) => `     | ${l}`).join('\n');
}
