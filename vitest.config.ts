import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const shared = {
  // PGlite's first open runs initdb (~2–4 s); tests otherwise share nothing.
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

/**
 * `npm test` runs everything on embedded storage. With TEST_DATABASE_URL (CI sets it) the integration
 * suite under test/ runs a second time on that PostgreSQL, with Redis from TEST_REDIS_URL.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/build-web-console.ts', 'test/embedded-template.ts'],
    // Vitest's default is one file at a time on a 2-core machine (cores − 1). Most files spend their time
    // waiting on PostgreSQL, child processes, Chromium and timers, so two at once finish the whole suite
    // about twice as fast there (BENCHMARKS.md, "Test suite"); larger machines keep the default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        // The browser app's own logic (token refresh, markdown sanitising, stream rendering).
        test: {
          ...shared,
          name: 'web',
          include: ['web/src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          ...shared,
          name: 'embedded',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          env: { PARLEY_TEST_STORAGE: 'embedded' },
        },
      },
      ...(process.env.TEST_DATABASE_URL
        ? [
            {
              test: {
                ...shared,
                name: 'postgres',
                include: ['test/**/*.test.ts'],
                // What does not touch storage runs once, in the embedded project: browser tests and
                // `parley` child processes skip themselves here anyway (each file still paid for importing
                // the app), and model adapters, fake servers and the docs check have no storage at all.
                exclude: ['test/e2e/**', 'test/cli/**', 'test/ai/**', 'test/fakes/**', 'test/docs/**'],
                env: { PARLEY_TEST_STORAGE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
