// The main thread's TypeScript loader is found in its Node options, however
// they name tsx, and resolved to the same installation's register API.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inheritedLoaders } from '../src/inherited-loader.js';

const tsxManifest = createRequire(import.meta.url).resolve('tsx/package.json');
const TSX_API = pathToFileURL(tsxManifest.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
const TSX_LOADER = pathToFileURL(tsxManifest.replace(/package\.json$/, 'dist/loader.mjs')).href;

describe('inherited loader', () => {
  it.each([
    ['node --import tsx', ['--import', 'tsx'], ''],
    ['node --import=tsx', ['--import=tsx'], ''],
    ['the tsx CLI (--require preflight --import loader URL)', ['--require', tsxManifest.replace(/package\.json$/, 'dist/preflight.cjs'), '--import', TSX_LOADER], ''],
    ['node --loader tsx/esm', ['--loader', 'tsx/esm'], ''],
    ['NODE_OPTIONS="--import tsx"', [], '--import tsx'],
  ])('finds tsx under %s', (_how, execArgv, nodeOptions) => {
    expect(inheritedLoaders(execArgv, nodeOptions)).toEqual([TSX_API]);
  });

  it.each([
    ['no options', [], ''],
    ['other options', ['--enable-source-maps', '--max-old-space-size=512', '--import', './setup.mjs'], '--trace-warnings'],
    ['a flag without its value', ['--import'], ''],
  ])('finds nothing with %s', (_how, execArgv, nodeOptions) => {
    expect(inheritedLoaders(execArgv, nodeOptions)).toEqual([]);
  });
});
