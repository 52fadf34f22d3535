import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report lets .ci/run print its `N passed, N failed` line.
    reporters: ['default', ['json', { outputFile: 'test-results/results.json' }]],
  },
});
