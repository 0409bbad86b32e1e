import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // PGlite's first open runs initdb (~4 s); integration tests share nothing else.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
