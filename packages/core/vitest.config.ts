import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests and fixtures import the package by name; in core's own run that is the source.
    // (@strand/pool's run of these suites leaves it to the built package, which its worker
    // threads load too: see packages/pool/vitest.config.ts.)
    alias: [
      { find: /^@strand\/core$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^@strand\/core\/runtime$/, replacement: fileURLToPath(new URL('./src/runtime.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests (*.test-d.ts): programs that must, or must not (@ts-expect-error), compile.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
    // Outcome waits, not speed limits: generous for a machine whose cores other programs load.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
