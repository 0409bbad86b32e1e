import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const shared = {
  // PGlite's first open runs initdb (~2–4 s); tests otherwise share nothing.
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

/**
 * The integration files share each worker's module graph (`isolate: false`): each one otherwise imported
 * the whole app again, about a third of the suite's time (bench/results/test-suite.md). They may do so
 * because nothing in the app keeps state in a module: every `buildApp` makes its own storage, caches,
 * metrics registry and bus, and each file closes what it opened. Vitest reuses a worker only within one
 * project, so the two storages never share one.
 */
const integration = { isolate: false };

/**
 * What does not depend on the storage runs once, in the embedded project. PGlite is PostgreSQL itself, so
 * a query behaves alike on both; the PostgreSQL project is for what differs: concurrent transactions,
 * several nodes, Redis, the job queue, pgvector's indexes, the driver's errors. Not here: browser tests
 * and `parley` child processes (they skip themselves on PostgreSQL anyway), model adapters and fake
 * servers, the docs check, the container image, and files about parsing, processes, HTTP framing and provider wire formats.
 */
const runOnceFiles = [
  'test/e2e/**',
  'test/cli/**',
  'test/ai/**',
  'test/fakes/**',
  'test/docs/**',
  'test/deploy/**',
  'test/widget/widget-budget.test.ts',
  // Password checks' timing: scrypt's, whatever the storage.
  'test/auth/sign-in-timing.test.ts',
  // MCP transports, sandboxing and URL checks: processes and sockets.
  'test/mcp/mcp-{sandbox*,stdio,http,security,pool}.test.ts',
  'test/mcp/parley-server.test.ts',
  // Reading uploads and URLs: parsers, archive guards, address checks.
  'test/knowledge/knowledge-{from-url*,import-archive-guard,import-zip-fuzz,pdf-limits,unreadable-uploads}.test.ts',
  'test/knowledge/embedder-registry.test.ts',
  // Retrieval quality on SciFact: the statements are the same on both storages, and the margin is the ranking's.
  'test/knowledge/scifact-noisy-margin.test.ts',
  // Percentiles read by walking an index: one query's answer, the same on PGlite, which is PostgreSQL.
  'test/analytics/analytics-percentiles.test.ts',
  // HTTP framing, the route table, logs and the served console.
  'test/platform/{api-docs,client-errors,cors,empty-patch,logger,logging,route-table,sse-writer,web-console}.test.ts',
  // Provider wire formats and the client transport.
  'test/chat/{chat-providers,model-warnings,stalled-provider,use-chat-transport}.test.ts',
  // TLS to the mail server: the transport's certificate checks.
  'test/email/email-outbound-tls.test.ts',
];

/**
 * The test files under `folder` that mock a module (`vi.mock`, `vi.doMock`): in a module graph shared with
 * other files, the mock would stay for every file after them, so they run each in a graph of its own.
 * Found by their text, so a file that starts mocking moves by itself.
 */
function moduleMockingFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.test\.tsx?$/.test(file))
    .map((file) => path.posix.join(folder, file.split(path.sep).join('/')))
    .filter((file) => /\bvi\.(do)?[mM]ock\(/.test(readFileSync(file, 'utf8')));
}

/** Unit files whose subject is a module's state in a process that has not yet used it. */
const unitFilesOnTheirOwn = [
  // AsyncLocalStorage is taken into use once per process, when embedded storage first asks for it.
  'src/platform/db/background-work.test.ts',
];

/**
 * `npm test` runs everything on embedded storage. With TEST_DATABASE_URL (CI sets it) the integration
 * suite under test/ runs a second time on that PostgreSQL, with Redis from TEST_REDIS_URL.
 */
export default defineConfig({
  test: {
    globalSetup: [
      'test/temporary-files.ts',
      'test/transpile-server.ts',
      'test/build-web-console.ts',
      'test/embedded-template.ts',
      'test/postgres-template.ts',
    ],
    // Vitest's default is one file at a time on a 2-core machine (cores − 1). Most files spend their time
    // waiting on PostgreSQL, child processes, Chromium and timers, so two at once finish the whole suite
    // about twice as fast there (BENCHMARKS.md, "Test suite"); larger machines keep the default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        // The browser app's own logic (token refresh, markdown sanitising, stream rendering). Its files share
        // a worker's page and module graph: a process of its own cost each file ~3 s of a worker's time, more
        // than its tests (the web project took 199 s alone, 65 s shared). The setup file gives each file a
        // page as fresh as a new one: nothing rendered or stored, no stubs or timers left over.
        test: {
          ...shared,
          ...integration,
          name: 'web',
          include: ['web/src/**/*.test.{ts,tsx}'],
          exclude: moduleMockingFiles('web/src'),
          environment: 'jsdom',
          setupFiles: ['web/src/test-setup.ts'],
        },
      },
      {
        // Unit files beside the code, sharing a worker's module graph as the web files do (71 files took
        // 111 s alone in a process each, 66 s shared), but for those below.
        test: {
          ...shared,
          ...integration,
          name: 'unit',
          include: ['src/**/*.test.ts'],
          exclude: [...moduleMockingFiles('src'), ...unitFilesOnTheirOwn],
          env: { PARLEY_TEST_STORAGE: 'embedded' },
        },
      },
      {
        // Files that mock a module (the mock would reach every file after them in a shared graph), or whose
        // subject is a module's state in a fresh process: each in a module graph of its own.
        test: {
          ...shared,
          name: 'unit-alone',
          include: [...moduleMockingFiles('src'), ...unitFilesOnTheirOwn],
          env: { PARLEY_TEST_STORAGE: 'embedded' },
        },
      },
      ...(moduleMockingFiles('web/src').length > 0
        ? [
            {
              test: {
                ...shared,
                name: 'web-alone',
                include: moduleMockingFiles('web/src'),
                environment: 'jsdom',
                setupFiles: ['web/src/test-setup.ts'],
              },
            },
          ]
        : []),
      {
        test: {
          ...shared,
          ...integration,
          name: 'embedded',
          include: ['test/**/*.test.ts'],
          env: { PARLEY_TEST_STORAGE: 'embedded' },
        },
      },
      ...(process.env.TEST_DATABASE_URL
        ? [
            {
              test: {
                ...shared,
                ...integration,
                name: 'postgres',
                include: ['test/**/*.test.ts'],
                exclude: runOnceFiles,
                env: { PARLEY_TEST_STORAGE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
