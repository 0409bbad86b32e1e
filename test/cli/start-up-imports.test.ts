import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testStorage } from '../harness/test-database.js';
import { spawnServe, waitForReady } from './server-process.js';

/**
 * Drivers only some servers need are loaded where they are first used (docs/architecture.md): an idle
 * server that holds them pays their memory for nothing (BENCHMARKS.md, "Memory at rest"). A static
 * import of one of them anywhere on the start-up path brings it back, and fails this test.
 */
const loadedOnFirstUse = [
  '/node_modules/@modelcontextprotocol/sdk/',
  '/node_modules/undici/',
  '/node_modules/ioredis/',
  '/node_modules/file-type/',
  // Model providers' SDK packages: this server has none configured.
  '/node_modules/@ai-sdk/openai/',
  '/node_modules/@ai-sdk/openai-compatible/',
  '/node_modules/@ai-sdk/anthropic/',
  '/node_modules/@ai-sdk/azure/',
  '/node_modules/@ai-sdk/cohere/',
  // The OpenTelemetry SDK and its exporters: no OTEL_* variable asks for tracing (its API alone loads).
  '/node_modules/@opentelemetry/sdk-',
  '/node_modules/@opentelemetry/exporter-',
  '/node_modules/@opentelemetry/otlp-',
  '/node_modules/@opentelemetry/resources/',
  // The engine not chosen: this server runs embedded.
  '/node_modules/drizzle-orm/node-postgres/',
];

describe.skipIf(testStorage === 'postgres')('start-up', () => {
  it('serves without loading the drivers only some requests need', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'parley-imports-'));
    const record = path.join(work, 'imports.txt');
    writeFileSync(record, '');
    const { child, baseUrl } = await spawnServe({
      dataDir: path.join(work, 'data'),
      env: { RECORD_IMPORTS_TO: record },
      nodeArgs: ['--import', path.resolve('test/cli/fixtures/record-imports.mjs')],
      stdio: 'ignore',
    });
    try {
      await waitForReady(baseUrl, child);
    } finally {
      child.kill('SIGTERM');
    }
    const imported = readFileSync(record, 'utf8').split('\n');
    // The recorder saw the start-up path (else an empty list would pass).
    expect(imported.some((url) => url.includes('/node_modules/fastify/'))).toBe(true);
    expect(imported.some((url) => url.includes('/node_modules/@electric-sql/pglite/'))).toBe(true);
    for (const prefix of loadedOnFirstUse) {
      expect(
        imported.filter((url) => url.includes(prefix)),
        prefix,
      ).toEqual([]);
    }
  });
});
