import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const coreTests = fileURLToPath(new URL('../core/test', import.meta.url));
const threadedHarness = fileURLToPath(new URL('./test/threaded-harness.ts', import.meta.url));

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Worker threads are real threads here: suites that start runtimes run one at a time.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: { name: 'pool', include: ['test/**/*.test.ts'] },
      },
      {
        // Core's behaviour suites again, against Strand with 2 worker schedulers: each suite's
        // `./harness.js` (a Scheduler on this thread) becomes test/threaded-harness.ts (a Runtime).
        // '@strand/core' is left to the built package, the module the scheduler threads use too.
        // Suites that only hold on one thread are named *.single.test.ts and stay in core's run.
        extends: true,
        resolve: {
          alias: [{ find: /^\.\/harness\.js$/, replacement: threadedHarness }],
        },
        test: {
          name: 'core-threaded',
          dir: coreTests,
          include: ['*.test.ts'],
          exclude: ['*.single.test.ts'],
        },
      },
    ],
  },
});
