import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * The overview's dates at their edges: every range a person can type is answered, a date outside the
 * days Parley counts with a 400 that names the bound, never a 500 from the database.
 */
describe('GET /v1/analytics/overview date edges', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Dated Ltd');
  });
  afterAll(() => t.close());

  const overview = (query: string) =>
    t.app.inject({ method: 'GET', url: `/v1/analytics/overview?${query}`, headers: admin.headers });

  it.each([
    ['to=9999-12-31', 'to'],
    ['from=9999-12-31', 'from'],
    ['from=9999-12-01&to=9999-12-31', 'from'],
    ['from=0001-01-01&to=0001-01-31', 'from'],
    ['from=0000-01-01&to=0000-01-02', 'from'],
    ['from=1969-12-31&to=1970-01-01&bucket=week', 'from'],
    ['from=2999-12-31&to=3000-01-01', 'to'],
  ])('answers %s with a 400 that names the bound', async (query, field) => {
    const answer = await overview(query);
    expect(answer.statusCode, answer.body).toBe(400);
    const detail = answer.json<{ detail: string }>().detail;
    expect(detail).toContain(field);
    expect(detail).toMatch(/1970-01-01.*2999-12-31/);
  });

  it.each([
    'from=1970-01-01&to=1970-01-31&bucket=week',
    'from=2999-12-01&to=2999-12-31&bucket=week',
    'to=2999-12-31',
    'from=2999-12-31',
    'to=1970-01-05',
  ])('answers %s, at the bounds, with the (empty) figures', async (query) => {
    const answer = await overview(query);
    expect(answer.statusCode, answer.body).toBe(200);
  });

  it('still refuses a reversed or too long range with a sentence', async () => {
    const reversed = await overview('from=2026-03-08&to=2026-03-02');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json<{ detail: string }>().detail).toContain('on or after from');
    const long = await overview('from=1970-01-01&to=2999-12-31');
    expect(long.statusCode).toBe(400);
    expect(long.json<{ detail: string }>().detail).toContain('at most 366');
  });
});
