import { afterAll } from 'vitest';
import { gatedCallHeaders } from '../../src/platform/outbound/gated-call-scope.js';
import { createDirectHttp } from '../../src/platform/outbound/index.js';

/**
 * The fetch the server gives its server-wide providers' SDKs (app-modules.ts), so the adapters are tested
 * over the HTTP path they use in production. Its connections close after the file's tests. These tests
 * call raw adapters, so they stand in for the model gate: each request carries the gate's mark, which
 * the pool requires (gated-call-scope.ts).
 */
export function directProviderFetch(): typeof fetch {
  const direct = createDirectHttp();
  afterAll(() => direct.close());
  return (input, init) =>
    direct.fetch(input, {
      ...init,
      headers: { ...Object.fromEntries(new Headers(init?.headers)), ...gatedCallHeaders() },
    });
}
