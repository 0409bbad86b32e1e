import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../src/platform/db/schema/index.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('GET /v1/providers/models', () => {
  let t: TestApp;
  let adminA: SignedInUser;
  let memberA: SignedInUser;
  let adminB: SignedInUser;

  beforeAll(async () => {
    // A server-wide OpenAI provider, offered to every tenant alongside its own providers.
    t = await buildTestApp({ OPENAI_API_KEY: 'sk-server-wide' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    adminB = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    memberA = await createUser(t.app, adminA, 'member');
  });
  afterAll(() => t.close());

  const listModels = (user?: SignedInUser) =>
    t.app.inject({ method: 'GET', url: '/v1/providers/models', headers: user?.headers ?? {} });

  const addProvider = async (user: SignedInUser, payload: object) => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/providers', headers: user.headers, payload });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string }>();
  };

  it("offers a member the tenant's provider models, the server's, and offline, with the default model", async () => {
    await addProvider(adminA, {
      name: 'acme-azure',
      kind: 'azure',
      apiKey: 'azure-key',
      settings: { resourceName: 'acme' },
      models: ['gpt-4o-deployment'],
    });
    const response = await listModels(memberA);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ models: string[]; defaultModel: string }>();
    expect(body.models).toContain('acme-azure:gpt-4o-deployment');
    expect(body.models).toContain('openai:gpt-4o-mini');
    expect(body.models.at(-1)).toBe('offline');
    // A tenant's own providers come before the server's.
    expect(body.defaultModel).toBe('acme-azure:gpt-4o-deployment');
    expect(response.body).not.toContain('azure-key');
  });

  it("never offers another tenant's providers", async () => {
    await addProvider(adminB, { name: 'b-only', kind: 'anthropic', apiKey: 'b-key', models: ['claude-b'] });
    expect((await listModels(memberA)).json<{ models: string[] }>().models).not.toContain('b-only:claude-b');
    expect((await listModels(adminB)).json<{ models: string[] }>().models).toContain('b-only:claude-b');
  });

  it('still lists a provider whose stored key this server can no longer read', async () => {
    const { id } = await addProvider(adminB, { name: 'stale-key', kind: 'anthropic', apiKey: 'k', models: ['m'] });
    await t.database.db.update(providers).set({ encryptedApiKey: 'v1.not.a.key' }).where(eq(providers.id, id));
    const response = await listModels(adminB);
    expect(response.statusCode).toBe(200);
    expect(response.json<{ models: string[] }>().models).toContain('stale-key:m');
  });

  it("keeps the tenant's other models answering when one provider's key can no longer be read", async () => {
    const admin = adminB;
    const { id } = await addProvider(admin, { name: 'lost-key', kind: 'anthropic', apiKey: 'k', models: ['m'] });
    const send = async (model: string) => {
      const agent = await createAgent(t.app, admin, { name: `On ${model}`, model });
      const conversation = await createConversation(t.app, admin, agent.id);
      return t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
        payload: { content: 'Hello' },
      });
    };
    // As if the server's secret had changed since the key was stored (nothing read the tenant's providers yet).
    await t.database.db.update(providers).set({ encryptedApiKey: 'v1.not.a.key' }).where(eq(providers.id, id));

    expect((await send('offline')).statusCode).toBe(201);
    const lost = await send('lost-key:m');
    expect(lost.statusCode).toBe(422);
    expect(lost.json().detail).toBe(
      "The API key of provider 'lost-key' cannot be read with this server's secret key (was it changed?); a tenant administrator must enter the key again",
    );
  });

  it('answers 401 to an anonymous caller', async () => {
    expect((await listModels()).statusCode).toBe(401);
  });
});
