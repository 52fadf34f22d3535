import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files mostly wait on Redis and child processes: two at a time on 2 cores.
    maxWorkers: 2,
    // The JSON report lets .ci/run print its `N passed, N failed` line.
    reporters: ['default', ['json', { outputFile: 'test-results/results.json' }]],
    projects: [
      // Pure text stages: no build, no Redis.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The built CLI and workers on a real redis-server (test/support/global-setup.ts).
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/support/global-setup.ts'] },
      },
    ],
  },
});
