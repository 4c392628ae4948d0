import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Outcome waits, not speed limits: the demo starts threads on a machine other programs load.
    // The chaos test waits for a thread to be replaced and a leak to reach its limit; a stop waits for both.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
