import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * An agent created without a model gets the model the picker preselects (GET /v1/providers/models):
 * `offline` only when no provider is configured.
 */
describe('the model of an agent created without one', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function tenantAdmin(env: Record<string, string>): Promise<SignedInUser> {
    t = await buildTestApp(env);
    return createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  }

  async function modelOfNewAgent(admin: SignedInUser): Promise<{ model: string; preselected: string }> {
    const created = await t!.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: admin.headers,
      payload: { name: 'No model named' },
    });
    expect(created.statusCode).toBe(201);
    const choices = await t!.app.inject({ method: 'GET', url: '/v1/providers/models', headers: admin.headers });
    return { model: created.json().model, preselected: choices.json().defaultModel };
  }

  it('is offline when no provider is configured', async () => {
    expect(await modelOfNewAgent(await tenantAdmin({}))).toEqual({ model: 'offline', preselected: 'offline' });
  });

  it("is the configured provider's usual model, or DEFAULT_MODEL when it is set", async () => {
    const withOpenAI = await modelOfNewAgent(await tenantAdmin({ OPENAI_API_KEY: 'sk-unused' }));
    expect(withOpenAI).toEqual({ model: 'openai:gpt-4o-mini', preselected: 'openai:gpt-4o-mini' });
    await t!.close();

    const chosen = await modelOfNewAgent(
      await tenantAdmin({ OPENAI_API_KEY: 'sk-unused', DEFAULT_MODEL: 'openai:gpt-4.1-mini' }),
    );
    expect(chosen).toEqual({ model: 'openai:gpt-4.1-mini', preselected: 'openai:gpt-4.1-mini' });
  });

  it('refuses, saying whose fix it is, when DEFAULT_MODEL names a provider nobody configured', async () => {
    const admin = await tenantAdmin({ DEFAULT_MODEL: 'nope:x' });
    const refused = await t!.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: admin.headers,
      payload: { name: 'No model named' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().detail).toBe(
      "No model was given, and the server's default model 'nope:x' (DEFAULT_MODEL) is served by no provider configured here: choose a model, or ask the server's operator to correct DEFAULT_MODEL",
    );
    const named = await t!.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: admin.headers,
      payload: { name: 'Model named', model: 'offline' },
    });
    expect(named.statusCode).toBe(201);
  });

  it("follows the tenant's own provider before the server's", async () => {
    const admin = await tenantAdmin({});
    const provider = await t!.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: admin.headers,
      payload: { name: 'claude', kind: 'anthropic', apiKey: 'sk-ant-unused', models: ['claude-haiku-4-5'] },
    });
    expect(provider.statusCode).toBe(201);
    expect(await modelOfNewAgent(admin)).toEqual({
      model: 'claude:claude-haiku-4-5',
      preselected: 'claude:claude-haiku-4-5',
    });
  });
});
