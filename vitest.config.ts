import { defineConfig } from 'vitest/config';

/**
 * Two tiers (issue 2, "CI time"): with DATABASE_URL set, only the tests that touch storage and
 * the queue run (files named *.db.test.ts), against PostgreSQL. Without it, everything runs on the
 * embedded SQLite: storage tests, emulator protocol tests and browser journeys.
 */
const pgTier = Boolean(process.env.DATABASE_URL);

export default defineConfig({
  test: {
    include: pgTier
      ? ['src/**/*.db.test.ts', 'test/**/*.db.test.ts']
      : ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // A transaction started inside another one rejects instead of being logged (src/platform/db/sqlite.ts).
    env: { SAMVAD_STRICT_TRANSACTIONS: '1' },
  },
});
