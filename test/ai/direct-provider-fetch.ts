import { afterAll } from 'vitest';
import { createDirectHttp } from '../../src/platform/outbound/index.js';

/**
 * The fetch the server gives its server-wide providers' SDKs (app-modules.ts), so the adapters are tested
 * over the HTTP path they use in production. Its connections close after the file's tests.
 */
export function directProviderFetch(): typeof fetch {
  const direct = createDirectHttp();
  afterAll(() => direct.close());
  return direct.fetch;
}
