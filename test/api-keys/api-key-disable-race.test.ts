import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/platform/db/schema/index.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

const rounds = 25;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creating an API key and disabling its user at the same moment: whichever comes first, no key of a
 * disabled user is left, and none works. Two actors a few milliseconds apart, many rounds.
 */
describe('an API key created while its user is disabled', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Racing');
  }, 120_000);
  afterAll(() => t?.close());

  it('never survives the disabling', async () => {
    const outcomes = { created: 0, refused: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const user = await createUser(t.app, admin, 'member');
      // Either may start first, by up to 4 ms.
      const offsetMs = (round % 9) - 4;
      const [created] = await Promise.all([
        pause(Math.max(0, offsetMs)).then(() =>
          t.app.inject({
            method: 'POST',
            url: '/v1/api-keys',
            headers: user.headers,
            payload: { name: `race ${round}` },
          }),
        ),
        pause(Math.max(0, -offsetMs)).then(async () => {
          const disabled = await t.app.inject({
            method: 'PATCH',
            url: `/v1/users/${user.userId}`,
            headers: admin.headers,
            payload: { disabled: true },
          });
          expect(disabled.statusCode).toBe(200);
        }),
      ]);
      expect([201, 401]).toContain(created.statusCode);
      if (created.statusCode === 201) {
        outcomes.created += 1;
        const key = created.json<{ key: string }>().key;
        const used = await t.app.inject({
          method: 'GET',
          url: '/v1/auth/me',
          headers: { authorization: `Bearer ${key}` },
        });
        expect(used.statusCode).toBe(401);
      } else {
        outcomes.refused += 1;
        expect(created.json<{ detail: string }>().detail).toMatch(/disabled|not accepted/);
      }
      const left = await t.database.db
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.tenantId, admin.tenantId), eq(apiKeys.userId, user.userId)));
      expect(left, `round ${round}`).toEqual([]);
    }
    expect(outcomes.created + outcomes.refused).toBe(rounds);
  }, 180_000);
});
