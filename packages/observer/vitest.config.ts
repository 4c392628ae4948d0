import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Each suite starts a runtime with worker threads: one suite at a time on a shared machine.
    fileParallelism: false,
    include: ['test/**/*.test.ts'],
  },
});
