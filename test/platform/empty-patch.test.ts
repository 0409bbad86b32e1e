import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

describe('PATCH with nothing to change', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;
  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
  });
  afterAll(() => t.close());

  it('is refused on every route with a 400 naming what the body may hold, not answered 200 unchanged', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const patchPaths = Object.entries(document.paths)
      .filter(([, operations]) => 'patch' in operations)
      .map(([path]) => path);
    expect(patchPaths.length).toBeGreaterThanOrEqual(8);
    for (const path of patchPaths) {
      // Validation comes before the handler, so an id that names nothing is enough.
      const url = path.replace(/\{[^}]+\}/g, '01900000-0000-7000-8000-000000000000');
      const response = await t.app.inject({ method: 'PATCH', url, headers: platformAdmin.headers, payload: {} });
      expect(response.statusCode, `PATCH ${path}`).toBe(400);
      expect(response.json<{ detail: string }>().detail, `PATCH ${path}`).toMatch(/send at least one of \w+/);
    }
  });
});
