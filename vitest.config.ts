import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file opens its own DuckDB; two workers match CI's two cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // A beforeAll that writes a demo practice can take minutes on a loaded 2-core machine.
    hookTimeout: 300_000,
    // Fixtures are written a moment before they are read: no settling wait.
    env: { REFLOOP_LOG: 'silent', REFLOOP_SETTLE_SECONDS: '0' },
  },
});
