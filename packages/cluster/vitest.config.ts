import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests (*.test-d.ts): programs that must, or must not (@ts-expect-error), compile.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
    // Outcome bounds, not speed limits: nodes are OS processes with threads, and CI runs other suites beside these.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Suites that start nodes (processes with threads) and a nats-server run one at a time.
    fileParallelism: false,
  },
});
