import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { createProvidersModule } from '../../src/modules/providers/index.js';
import { createLocalInvalidationBus } from '../../src/platform/cache/invalidation-bus.js';
import { createOutboundHttp } from '../../src/platform/outbound/index.js';
import { providers } from '../../src/platform/db/schema/index.js';
import { decryptSecret } from '../../src/platform/secrets.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  expectNoEcho,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('providers', () => {
  let t: TestApp;
  let adminA: SignedInUser;
  let adminB: SignedInUser;
  let counter = 0;
  const uniqueName = (label = 'p') => `${label}-${Date.now().toString(36)}-${++counter}`;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    adminB = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
  });
  afterAll(() => t.close());

  const request = (user: SignedInUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });

  it('stores the API key encrypted and never returns it, only hasApiKey', async () => {
    const apiKey = `sk-test-${'s3cr3t'.repeat(6)}`;
    const created = await request(adminA, 'POST', '/v1/providers', {
      name: uniqueName('openai'),
      kind: 'openai',
      apiKey,
      settings: { organization: 'org-1' },
      models: ['gpt-4o-mini'],
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      id: expect.any(String),
      kind: 'openai',
      hasApiKey: true,
      settings: { organization: 'org-1' },
    });
    expect(body).not.toHaveProperty('apiKey');
    expect(body).not.toHaveProperty('encryptedApiKey');

    const [row] = await t.database.db.select().from(providers).where(eq(providers.id, body.id));
    expect(row?.encryptedApiKey).toBeTruthy();
    expect(row?.encryptedApiKey).not.toContain(apiKey);
    expect(decryptSecret(t.keys.credentialsKey, row!.encryptedApiKey!)).toBe(apiKey);

    for (const response of [
      created,
      await request(adminA, 'GET', '/v1/providers'),
      await request(adminA, 'GET', `/v1/providers/${body.id}`),
      await request(adminA, 'PATCH', `/v1/providers/${body.id}`, { models: ['gpt-4o'] }),
    ]) {
      expect(response.statusCode).toBeLessThan(300);
      expectNoEcho(response.body, apiKey, row!.encryptedApiKey!);
    }
  });

  it("hands the chat engine decrypted configs of the tenant's providers only", async () => {
    const name = uniqueName('azure');
    await request(adminA, 'POST', '/v1/providers', {
      name,
      kind: 'azure',
      apiKey: 'azure-key-123',
      settings: { resourceName: 'acme', apiVersion: '2024-10-21' },
      models: ['my-deployment'],
    });
    const outbound = createOutboundHttp({ allowList: [] });
    const { service } = createProvidersModule({
      db: t.database.db,
      keys: t.keys,
      models: createModelRegistry({ config: t.config }),
      outbound,
      modelTimeoutMs: t.config.modelTimeoutMs,
      invalidations: createLocalInvalidationBus(),
    });
    const configs = await service.loadTenantProviders(adminA.tenantId);
    expect(configs).toContainEqual({
      name,
      kind: 'azure',
      baseUrl: undefined,
      apiKey: 'azure-key-123',
      settings: { resourceName: 'acme', apiVersion: '2024-10-21' },
      models: ['my-deployment'],
      // The outbound guard, through which the provider's SDK reaches it (test/ai/tenant-provider-guard.test.ts).
      fetch: expect.any(Function),
    });
    await outbound.close();
    expect((await service.loadTenantProviders(adminB.tenantId)).map((config) => config.name)).not.toContain(name);
  });

  it('refuses the built-in name offline, a taken name, and incomplete configurations', async () => {
    const offline = await request(adminA, 'POST', '/v1/providers', { name: 'offline', kind: 'openai', apiKey: 'sk-x' });
    expect(offline.statusCode).toBe(400);
    expect(offline.json().detail).toMatch(/'offline' is the built-in model's name/);

    const name = uniqueName();
    expect(
      (await request(adminA, 'POST', '/v1/providers', { name, kind: 'anthropic', apiKey: 'sk-x' })).statusCode,
    ).toBe(201);
    const taken = await request(adminA, 'POST', '/v1/providers', { name, kind: 'openai', apiKey: 'sk-x' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().detail).toContain(name);
    // Names are per tenant.
    expect(
      (await request(adminB, 'POST', '/v1/providers', { name, kind: 'anthropic', apiKey: 'sk-x' })).statusCode,
    ).toBe(201);

    const noBaseUrl = await request(adminA, 'POST', '/v1/providers', { name: uniqueName(), kind: 'openai-compatible' });
    expect(noBaseUrl.statusCode).toBe(400);
    expect(noBaseUrl.json().errors[0].field).toBe('baseUrl');
    const noResource = await request(adminA, 'POST', '/v1/providers', { name: uniqueName(), kind: 'azure' });
    expect(noResource.statusCode).toBe(400);
  });

  it('refuses what could never answer: a kind that needs a key without one, a base URL with a query, odd Azure settings', async () => {
    const create = (payload: object) =>
      request(adminA, 'POST', '/v1/providers', { name: uniqueName(), apiKey: 'sk-x', ...payload });
    const errorsOf = async (payload: object) => {
      const response = await create(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      return response.json<{ errors: { field: string; message: string }[] }>().errors;
    };
    for (const kind of ['openai', 'anthropic', 'cohere']) {
      expect(await errorsOf({ kind, apiKey: undefined })).toEqual([
        { field: 'apiKey', message: `is required for an '${kind}' provider` },
      ]);
    }
    expect((await errorsOf({ kind: 'openai', baseUrl: 'https://llm.example.test/v1?tenant=1' }))[0]?.field).toBe(
      'baseUrl',
    );
    expect((await errorsOf({ kind: 'azure', settings: { resourceName: 'evil.example/x' } }))[0]?.field).toBe(
      'settings.resourceName',
    );
    expect(
      (await errorsOf({ kind: 'azure', settings: { resourceName: 'acme', apiVersion: 'banana' } }))[0]?.field,
    ).toBe('settings.apiVersion');
    // A server that needs no key, and Azure's usual settings, are fine.
    expect(
      (await create({ kind: 'openai-compatible', baseUrl: 'https://llm.example.test/v1', apiKey: undefined }))
        .statusCode,
    ).toBe(201);
    expect(
      (await create({ kind: 'azure', settings: { resourceName: 'acme-eu', apiVersion: '2025-04-01-preview' } }))
        .statusCode,
    ).toBe(201);

    const keyed = (await create({ kind: 'anthropic' })).json<{ id: string }>();
    const removed = await request(adminA, 'PATCH', `/v1/providers/${keyed.id}`, { apiKey: null });
    expect(removed.statusCode).toBe(400);
    expect(removed.json().errors[0].field).toBe('apiKey');
  });

  it('asks for the key again before a provider with one moves to another address or kind', async () => {
    const created = (
      await request(adminA, 'POST', '/v1/providers', {
        name: uniqueName(),
        kind: 'openai',
        baseUrl: 'https://llm.example.test/v1',
        apiKey: 'sk-tenant-secret',
      })
    ).json<{ id: string }>();
    const url = `/v1/providers/${created.id}`;
    for (const change of [
      { baseUrl: 'https://attacker.example.test/v1' },
      { baseUrl: null },
      { kind: 'openai-compatible' },
    ]) {
      const moved = await request(adminA, 'PATCH', url, change);
      expect(moved.statusCode, JSON.stringify(change)).toBe(400);
      expect(moved.json().errors).toEqual([{ field: 'apiKey', message: expect.stringMatching(/must be sent again/) }]);
    }
    expect((await request(adminA, 'GET', url)).json()).toMatchObject({ baseUrl: 'https://llm.example.test/v1' });
    // The same address, other changes, or the key sent along are fine.
    expect(
      (await request(adminA, 'PATCH', url, { baseUrl: 'https://llm.example.test/v1', models: ['m'] })).statusCode,
    ).toBe(200);
    const withKey = await request(adminA, 'PATCH', url, {
      baseUrl: 'https://other.example.test/v1',
      apiKey: 'sk-again',
    });
    expect(withKey.statusCode).toBe(200);
  });

  it('changes and removes the key, renames, and deletes', async () => {
    const created = (
      await request(adminA, 'POST', '/v1/providers', {
        name: uniqueName('local'),
        kind: 'openai-compatible',
        // A name that does not resolve is accepted: its DNS may come later, and each call is checked.
        baseUrl: 'http://ollama.invalid:11434/v1',
        apiKey: 'first',
      })
    ).json();
    const url = `/v1/providers/${created.id}`;
    expect((await request(adminA, 'PATCH', url, { apiKey: null })).json().hasApiKey).toBe(false);
    expect((await request(adminA, 'PATCH', url, { apiKey: 'second' })).json().hasApiKey).toBe(true);
    expect((await request(adminA, 'PATCH', url, { baseUrl: null })).statusCode).toBe(400);
    expect((await request(adminA, 'PATCH', url, { name: 'offline' })).statusCode).toBe(400);
    const renamed = uniqueName('renamed');
    expect((await request(adminA, 'PATCH', url, { name: renamed })).json().name).toBe(renamed);
    expect((await request(adminA, 'DELETE', url)).statusCode).toBe(204);
    expect((await request(adminA, 'GET', url)).statusCode).toBe(404);
  });

  it("refuses a base URL inside the server's own network unless OUTBOUND_ALLOW opens it", async () => {
    for (const [baseUrl, reason] of [
      ['http://127.0.0.1:11434/v1', '127.0.0.1 is a loopback address'],
      ['http://localhost:11434/v1', 'localhost'],
      ['http://169.254.169.254/latest', '169.254.169.254 is a cloud metadata address'],
      ['http://[::ffff:10.0.0.7]:8000/v1', 'a private address'],
    ] as const) {
      const refused = await request(adminA, 'POST', '/v1/providers', {
        name: uniqueName('inside'),
        kind: 'openai-compatible',
        baseUrl,
      });
      expect(refused.statusCode, baseUrl).toBe(400);
      expect(refused.json().errors[0].field).toBe('baseUrl');
      expect(refused.json().detail).toContain(reason);
      expect(refused.json().detail).toContain('OUTBOUND_ALLOW');
    }
    const created = await request(adminA, 'POST', '/v1/providers', {
      name: uniqueName('outside'),
      kind: 'openai-compatible',
      baseUrl: 'http://ollama.invalid:11434/v1',
    });
    const moved = await request(adminA, 'PATCH', `/v1/providers/${created.json().id}`, {
      baseUrl: 'http://10.1.2.3:11434/v1',
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().detail).toContain('10.1.2.3 is a private address');

    const allowing = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1' });
    try {
      const admin = await createTenantWithAdmin(allowing.app, await registerPlatformAdmin(allowing.app), 'Allowing');
      const local = await allowing.app.inject({
        method: 'POST',
        url: '/v1/providers',
        headers: admin.headers,
        payload: { name: 'local', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' },
      });
      expect(local.statusCode).toBe(201);
    } finally {
      await allowing.close();
    }
  });

  it("answers 404 to another tenant's admin and 403 to members", async () => {
    const created = (
      await request(adminA, 'POST', '/v1/providers', {
        name: uniqueName('private'),
        kind: 'anthropic',
        apiKey: 'ant-secret-key',
      })
    ).json();
    const url = `/v1/providers/${created.id}`;
    for (const response of [
      await request(adminB, 'GET', url),
      await request(adminB, 'PATCH', url, { apiKey: 'hijack' }),
      await request(adminB, 'DELETE', url),
    ]) {
      expect(response.statusCode).toBe(404);
      expectNoEcho(response.body, created.name, 'ant-secret-key');
    }
    expectNoEcho((await request(adminB, 'GET', '/v1/providers')).body, created.name);

    const member = await createUser(t.app, adminA);
    expect((await request(member, 'GET', '/v1/providers')).statusCode).toBe(403);
    expect((await request(member, 'GET', url)).statusCode).toBe(403);
    expect((await request(member, 'POST', '/v1/providers', { name: uniqueName(), kind: 'openai' })).statusCode).toBe(
      403,
    );
  });

  it('validates names, URLs, settings and unknown fields with 400', async () => {
    const bad = (payload: object) =>
      request(adminA, 'POST', '/v1/providers', { name: uniqueName(), kind: 'openai', ...payload });
    expect((await bad({ name: 'Has Caps' })).statusCode).toBe(400);
    expect((await bad({ name: 'a'.repeat(41) })).statusCode).toBe(400);
    expect((await bad({ kind: 'mistral' })).statusCode).toBe(400);
    expect((await bad({ baseUrl: 'ftp://example.test' })).statusCode).toBe(400);
    expect((await bad({ settings: { nested: { deep: 'x' } } })).statusCode).toBe(400);
    expect((await bad({ settings: { long: 'x'.repeat(201) } })).statusCode).toBe(400);
    expect((await bad({ models: ['x'.repeat(201)] })).statusCode).toBe(400);
    expect((await bad({ apiKey: 'x'.repeat(4097) })).statusCode).toBe(400);
    expect((await bad({ encryptedApiKey: 'v1.a.b.c' })).statusCode).toBe(400);
  });

  it('refuses a setting the kind of provider does not read, so no secret is kept in clear among them', async () => {
    const create = (kind: string, settings: object) =>
      request(adminA, 'POST', '/v1/providers', {
        name: uniqueName(),
        kind,
        baseUrl: 'https://llm.example.test/v1',
        apiKey: 'sk-x',
        settings,
      });
    const pasted = await create('openai-compatible', { apiKey: 'sk-pasted-in-the-wrong-field' });
    expect(pasted.statusCode).toBe(400);
    expect(pasted.json().detail).toBe(
      "The request is invalid — settings.apiKey: is not a setting of an 'openai-compatible' provider (it takes none); send an API key as apiKey, which is stored encrypted",
    );
    expect(pasted.body).not.toContain('sk-pasted');
    const azure = await create('azure', { resourceName: 'acme', region: 'west' });
    expect(azure.statusCode).toBe(400);
    expect(azure.json().detail).toContain(
      "settings.region: is not a setting of an 'azure' provider (it takes only resourceName and apiVersion)",
    );

    const openai = await create('openai', { organization: 'org-1' });
    expect(openai.statusCode).toBe(201);
    const patched = await request(adminA, 'PATCH', `/v1/providers/${openai.json().id}`, { settings: { token: 'x' } });
    expect(patched.statusCode).toBe(400);
    expect((await request(adminA, 'GET', `/v1/providers/${openai.json().id}`)).json().settings).toEqual({
      organization: 'org-1',
    });
  });
});
