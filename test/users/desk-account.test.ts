import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/modules/auth/passwords.js';
import { deskUserEmail } from '../../src/modules/users/desk-user-address.js';
import { createAgent } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';

/**
 * The desk user owns every support conversation's chat (ADR 18): nobody may enable it, give it a
 * password, change or delete it (a delete would cascade every support transcript away), and it never
 * signs in, even if its row was enabled behind the API's back.
 */
describe('the support desk account', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let deskUserId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Desk account shop');
    const agent = await createAgent(t.app, admin, { model: 'offline', visibility: 'tenant' });
    const inbox = await createInbox(t.app, admin, { agentId: agent.id });
    const visitor = await startVisitor(t.app, inbox.id);
    const conversation = await startConversation(t.app, visitor);
    expect((await sendAsVisitor(t.app, visitor, conversation.id, 'Hello')).statusCode).toBe(200);
    const { rows } = await t.database.executeSql('select id from users where email = $1', [
      deskUserEmail(admin.tenantId),
    ]);
    deskUserId = (rows[0] as { id: string }).id;
  }, 120_000);
  afterAll(() => t?.close());

  const transcripts = async () =>
    (await t.database.executeSql('select count(*)::int as n from conversations where owner_id = $1', [deskUserId]))
      .rows[0] as { n: number };

  it('cannot be enabled, given a password, promoted or deleted by the tenant’s admin', async () => {
    for (const payload of [{ disabled: false }, { password: 'a new long password 1' }, { role: 'tenant_admin' }]) {
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/v1/users/${deskUserId}`,
        headers: admin.headers,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(403);
      expect(response.json().detail).toContain("support desk's service account");
    }
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/users/${deskUserId}`, headers: admin.headers });
    expect(deleted.statusCode).toBe(403);
    expect((await transcripts()).n).toBeGreaterThan(0);
  });

  it('never signs in, even with its row enabled and a password set behind the API', async () => {
    const password = 'a password set by hand 42';
    await t.database.executeSql('update users set disabled_at = null, password_hash = $2 where id = $1', [
      deskUserId,
      await createPasswordHasher(t.config.passwordHashCost).hash(password),
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: deskUserEmail(admin.tenantId), password },
    });
    expect(response.statusCode).toBe(401);
  });
});
