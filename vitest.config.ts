import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file opens its own DuckDB; two workers match CI's two cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // Fixtures are written a moment before they are read: no settling wait.
    env: { REFLOOP_LOG: 'silent', REFLOOP_SETTLE_SECONDS: '0' },
  },
});
