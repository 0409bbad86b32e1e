import { describe, expect, it } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import { register, testPassword, uniqueEmail } from '../harness/actors.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

/** SIGNUP_MODE decides what POST /v1/auth/register does once the server has its first user. */

const attemptRegistration = (app: App, email: string, payload: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password: testPassword, ...payload } });

const attemptLogin = (app: App, email: string) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: testPassword } });

async function withApp(env: Record<string, string>, run: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await buildTestApp(env);
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

describe('sign-up modes', () => {
  it('closed: lets the first user in, then refuses every registration with 403 and a sentence', async () => {
    await withApp({ SIGNUP_MODE: 'closed' }, async ({ app }) => {
      const first = await attemptRegistration(app, uniqueEmail('first'));
      expect(first.statusCode).toBe(201);
      expect(first.json().user.role).toBe('platform_admin');

      const status = await app.inject({ method: 'GET', url: '/v1/auth/status' });
      expect(status.json()).toEqual({ hasUsers: true, signupMode: 'closed', canRegister: false });

      const refusedEmail = uniqueEmail('refused');
      const refused = await attemptRegistration(app, refusedEmail, { tenantName: 'Sneaky' });
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ code: 'forbidden', detail: 'Sign-up is closed on this server' });
      expect(refused.json().accessToken).toBeUndefined();
      // Nothing was created: the refused address cannot sign in.
      expect((await attemptLogin(app, refusedEmail)).statusCode).toBe(401);
    });
  });

  it('invite (the default): refuses self-registration after the first user, pointing to the tenant administrator', async () => {
    // No SIGNUP_MODE given: the default applies.
    await withApp({}, async ({ app }) => {
      const before = await app.inject({ method: 'GET', url: '/v1/auth/status' });
      expect(before.json()).toEqual({ hasUsers: false, signupMode: 'invite', canRegister: true });
      await register(app, uniqueEmail('first'));

      const refusedEmail = uniqueEmail('uninvited');
      const refused = await attemptRegistration(app, refusedEmail);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({
        code: 'forbidden',
        detail: 'Sign-up is by invitation on this server: ask your tenant administrator to create your account',
      });
      expect((await attemptLogin(app, refusedEmail)).statusCode).toBe(401);
      const after = await app.inject({ method: 'GET', url: '/v1/auth/status' });
      expect(after.json()).toMatchObject({ signupMode: 'invite', canRegister: false });
    });
  });

  it("open: each registration creates a new tenant whose first user is its tenant_admin and sees none of another tenant's objects", async () => {
    await withApp({ SIGNUP_MODE: 'open' }, async ({ app }) => {
      const first = await register(app, uniqueEmail('first'));
      const firstAgent = await createAgent(app, first, { name: 'First tenant agent' });
      const firstConversation = await createConversation(app, first, firstAgent.id);

      const status = await app.inject({ method: 'GET', url: '/v1/auth/status' });
      expect(status.json()).toEqual({ hasUsers: true, signupMode: 'open', canRegister: true });

      const newcomerEmail = uniqueEmail('newcomer');
      const registered = await attemptRegistration(app, newcomerEmail, { tenantName: 'Newcomer Ltd' });
      expect(registered.statusCode).toBe(201);
      const newcomer = { headers: { authorization: `Bearer ${registered.json().accessToken as string}` } };

      const me = await app.inject({ method: 'GET', url: '/v1/auth/me', headers: newcomer.headers });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({
        user: { email: newcomerEmail, role: 'tenant_admin' },
        tenant: { name: 'Newcomer Ltd' },
        via: 'token',
      });
      expect(me.json().tenant.id).not.toBe(first.tenantId);
      expect(me.json().user.tenantId).toBe(me.json().tenant.id);

      // Another tenant's objects do not exist for the newcomer: 404, and absent from lists.
      const agent = await app.inject({ method: 'GET', url: `/v1/agents/${firstAgent.id}`, headers: newcomer.headers });
      expect(agent.statusCode).toBe(404);
      const conversation = await app.inject({
        method: 'GET',
        url: `/v1/conversations/${firstConversation.id}`,
        headers: newcomer.headers,
      });
      expect(conversation.statusCode).toBe(404);
      const agents = await app.inject({ method: 'GET', url: '/v1/agents', headers: newcomer.headers });
      expect(agents.statusCode).toBe(200);
      expect(agents.json().items.map((item: { id: string }) => item.id)).not.toContain(firstAgent.id);
      const users = await app.inject({ method: 'GET', url: '/v1/users', headers: newcomer.headers });
      expect(users.statusCode).toBe(200);
      expect(users.json().items.map((item: { email: string }) => item.email)).toEqual([newcomerEmail]);

      // A second sign-up gets a tenant of its own too, not the newcomer's.
      const third = await register(app, uniqueEmail('third'));
      expect(new Set([first.tenantId, me.json().tenant.id, third.tenantId]).size).toBe(3);
    });
  });
});
