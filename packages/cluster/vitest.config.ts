import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests (*.test-d.ts): programs that must, or must not (@ts-expect-error), compile.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Suites that start multi-threaded runtimes run one at a time.
    fileParallelism: false,
  },
});
