import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Outcome waits, not speed limits: a nats-server and two nodes with their threads start on a machine other programs load.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
