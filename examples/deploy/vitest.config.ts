import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Outcome waits, not speed limits: the application starts threads on a machine other programs load.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
