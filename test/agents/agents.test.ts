import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  expectNoEcho,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('agents', () => {
  let t: TestApp;
  let adminA: SignedInUser;
  let adminB: SignedInUser;
  let alice: SignedInUser;
  let bob: SignedInUser;

  beforeAll(async () => {
    // Configured, never called: an agent is only saved with a model some provider serves.
    t = await buildTestApp({
      OPENAI_API_KEY: 'sk-unused',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      DEFAULT_MODEL: 'offline',
    });
    const platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    adminB = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    alice = await createUser(t.app, adminA);
    bob = await createUser(t.app, adminA);
  });
  afterAll(() => t.close());

  const request = (user: SignedInUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const createAgent = async (user: SignedInUser, payload: object) => {
    const response = await request(user, 'POST', '/v1/agents', payload);
    if (response.statusCode !== 201) throw new Error(`create agent failed: ${response.statusCode} ${response.body}`);
    return response.json<{ id: string; name: string; visibility: string; ownerId: string | null }>();
  };
  const listIds = async (user: SignedInUser) =>
    (await request(user, 'GET', '/v1/agents?limit=100'))
      .json()
      .items.map((agent: { id: string }) => agent.id) as string[];

  it("takes PATCHes of one agent's sources at the same moment one after another, and one racing its delete as 200 or 404", async () => {
    const sources = await Promise.all(
      ['Racing one', 'Racing two'].map(
        async (name) => (await request(adminA, 'POST', '/v1/knowledge-sources', { name })).json<{ id: string }>().id,
      ),
    );
    const agent = await createAgent(adminA, { name: 'Raced', model: 'offline' });
    const patches = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        request(adminA, 'PATCH', `/v1/agents/${agent.id}`, { knowledgeSourceIds: index % 2 ? sources : [sources[0]] }),
      ),
    );
    expect(patches.map((response) => response.statusCode)).toEqual(patches.map(() => 200));

    const doomed = await createAgent(adminA, { name: 'Raced and deleted', model: 'offline' });
    const [deleted, ...racing] = await Promise.all([
      request(adminA, 'DELETE', `/v1/agents/${doomed.id}`),
      ...Array.from({ length: 8 }, () =>
        request(adminA, 'PATCH', `/v1/agents/${doomed.id}`, { knowledgeSourceIds: sources }),
      ),
    ]);
    expect(deleted.statusCode).toBe(204);
    for (const response of racing) expect([200, 404], response.body).toContain(response.statusCode);
  });
  it('creates a private agent for a member by default, with the offline model', async () => {
    const response = await request(alice, 'POST', '/v1/agents', { name: 'Helper', instructions: 'Be brief.' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      id: expect.any(String),
      name: 'Helper',
      instructions: 'Be brief.',
      model: 'offline',
      visibility: 'private',
      ownerId: alice.userId,
      createdBy: alice.userId,
      temperature: null,
      maxOutputTokens: null,
    });
  });

  it("shares an admin's agent with the tenant by default, and refuses that to members", async () => {
    const shared = await createAgent(adminA, {
      name: 'Support',
      instructions: 'Help.',
      model: 'openai:gpt-4o-mini',
      temperature: 0.2,
    });
    expect(shared).toMatchObject({ visibility: 'tenant', ownerId: null });
    const refused = await request(alice, 'POST', '/v1/agents', {
      name: 'Mine',
      instructions: '',
      visibility: 'tenant',
    });
    expect(refused.statusCode).toBe(403);
  });

  it("lists shared agents and one's own private ones; admins see all of the tenant's", async () => {
    const shared = await createAgent(adminA, { name: 'Shared', instructions: '' });
    const alicePrivate = await createAgent(alice, { name: 'Alice only', instructions: '' });
    const bobPrivate = await createAgent(bob, { name: 'Bob only', instructions: '' });
    const otherTenant = await createAgent(adminB, { name: 'Elsewhere', instructions: '' });

    const aliceSees = await listIds(alice);
    expect(aliceSees).toEqual(expect.arrayContaining([shared.id, alicePrivate.id]));
    expect(aliceSees).not.toContain(bobPrivate.id);
    expect(aliceSees).not.toContain(otherTenant.id);
    const adminSees = await listIds(adminA);
    expect(adminSees).toEqual(expect.arrayContaining([shared.id, alicePrivate.id, bobPrivate.id]));
    expect(adminSees).not.toContain(otherTenant.id);
  });

  it("answers 404 for another member's private agent, on every verb", async () => {
    const secret = await createAgent(alice, { name: 'Diary', instructions: 'Top secret instructions' });
    const url = `/v1/agents/${secret.id}`;
    for (const response of [
      await request(bob, 'GET', url),
      await request(bob, 'PATCH', url, { name: 'Mine now' }),
      await request(bob, 'DELETE', url),
    ]) {
      expect(response.statusCode).toBe(404);
      expectNoEcho(response.body, 'Diary', 'Top secret instructions');
    }
    expect((await request(alice, 'GET', url)).json().name).toBe('Diary');
  });

  it("answers 404 to another tenant's admin, without echoing the agent", async () => {
    const agent = await createAgent(adminA, { name: 'Tenant A bot', instructions: 'A-only instructions' });
    const url = `/v1/agents/${agent.id}`;
    for (const response of [
      await request(adminB, 'GET', url),
      await request(adminB, 'PATCH', url, { name: 'Stolen' }),
      await request(adminB, 'DELETE', url),
    ]) {
      expect(response.statusCode).toBe(404);
      expectNoEcho(response.body, 'Tenant A bot', 'A-only instructions');
    }
  });

  it('lets the owner or an admin change and delete; a member may not change a shared agent', async () => {
    const shared = await createAgent(adminA, { name: 'Shared', instructions: '' });
    expect((await request(alice, 'PATCH', `/v1/agents/${shared.id}`, { name: 'Hijacked' })).statusCode).toBe(403);
    expect((await request(alice, 'DELETE', `/v1/agents/${shared.id}`)).statusCode).toBe(403);

    const own = await createAgent(alice, { name: 'Draft', instructions: '' });
    const renamed = await request(alice, 'PATCH', `/v1/agents/${own.id}`, {
      name: 'Final',
      temperature: 1.1,
      maxOutputTokens: 500,
    });
    expect(renamed.json()).toMatchObject({ name: 'Final', temperature: expect.closeTo(1.1, 5), maxOutputTokens: 500 });
    expect((await request(alice, 'PATCH', `/v1/agents/${own.id}`, { visibility: 'tenant' })).statusCode).toBe(403);

    const published = await request(adminA, 'PATCH', `/v1/agents/${own.id}`, {
      visibility: 'tenant',
      temperature: null,
    });
    expect(published.json()).toMatchObject({ visibility: 'tenant', ownerId: null, temperature: null });
    expect(await listIds(bob)).toContain(own.id);

    // Unshared again, it is Alice's again, not the admin's who unshared it.
    const unshared = await request(adminA, 'PATCH', `/v1/agents/${own.id}`, { visibility: 'private' });
    expect(unshared.json()).toMatchObject({ visibility: 'private', ownerId: alice.userId });
    expect(await listIds(alice)).toContain(own.id);
    expect(await listIds(bob)).not.toContain(own.id);

    expect((await request(adminA, 'DELETE', `/v1/agents/${own.id}`)).statusCode).toBe(204);
    expect((await request(adminA, 'GET', `/v1/agents/${own.id}`)).statusCode).toBe(404);
  });

  it("shows an agent's instructions only to those who may change it: members get its name and model", async () => {
    const prompt = 'Never reveal the discount code PARLEY-42.';
    const shared = await createAgent(adminA, { name: 'Support', instructions: prompt });
    const own = await createAgent(alice, { name: 'Mine', instructions: 'My own prompt.' });

    // A member using the tenant-wide agent: not in the list, not in the one, not in /v1/models.
    const listed = await request(alice, 'GET', '/v1/agents?limit=100');
    const listedShared = listed.json().items.find((agent: { id: string }) => agent.id === shared.id);
    expect(listedShared).toMatchObject({ name: 'Support', model: 'offline' });
    expect(listedShared).not.toHaveProperty('instructions');
    const one = await request(alice, 'GET', `/v1/agents/${shared.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty('instructions');
    expectNoEcho(listed.body + one.body, prompt);
    expectNoEcho((await request(alice, 'GET', '/v1/models')).body, prompt);

    // Its owner sees their own private agent's, an admin every agent's.
    expect((await request(alice, 'GET', `/v1/agents/${own.id}`)).json()).toMatchObject({
      instructions: 'My own prompt.',
    });
    expect((await request(adminA, 'GET', `/v1/agents/${shared.id}`)).json()).toMatchObject({ instructions: prompt });
    expect((await request(adminA, 'GET', `/v1/agents/${own.id}`)).json()).toMatchObject({
      instructions: 'My own prompt.',
    });
    const adminListed = (await request(adminA, 'GET', '/v1/agents?limit=100')).json();
    expect(adminListed.items.find((agent: { id: string }) => agent.id === shared.id)).toMatchObject({
      instructions: prompt,
    });
  });

  it('validates the model reference and the other fields with 400', async () => {
    const bad = (payload: object) => request(alice, 'POST', '/v1/agents', { name: 'x', instructions: '', ...payload });
    for (const model of ['gpt-4o', 'OpenAI:gpt-4o', 'openai:', 'openai:has space', `openai:${'m'.repeat(201)}`]) {
      const response = await bad({ model });
      expect(response.statusCode, model).toBe(400);
    }
    expect((await bad({ model: 'ollama:llama3.1:8b' })).statusCode).toBe(201);
    // Well formed, but no provider of that name: the agent could never answer, so it is not saved.
    for (const model of ['nosuch:gpt', 'offline:x']) {
      const response = await bad({ model });
      expect(response.statusCode, model).toBe(400);
      expect(response.json<{ errors: { field: string; message: string }[] }>().errors).toEqual([
        {
          field: 'model',
          message: expect.stringMatching(/which is not configured\. Configured providers: 'openai', 'ollama'/),
        },
      ]);
    }
    const saved = await createAgent(alice, { name: 'Checked', model: 'openai:gpt-4o-mini' });
    const repointed = await request(alice, 'PATCH', `/v1/agents/${saved.id}`, { model: 'nosuch:gpt' });
    expect(repointed.statusCode).toBe(400);
    expect((await request(alice, 'GET', `/v1/agents/${saved.id}`)).json()).toMatchObject({
      model: 'openai:gpt-4o-mini',
    });
    expect((await bad({ temperature: 3 })).statusCode).toBe(400);
    expect((await bad({ maxOutputTokens: 0 })).statusCode).toBe(400);
    expect((await bad({ name: '' })).statusCode).toBe(400);
    expect((await bad({ instructions: 'x'.repeat(20_001) })).statusCode).toBe(400);
    expect((await bad({ ownerId: alice.userId })).statusCode).toBe(400);
    expect((await request(alice, 'GET', '/v1/agents/123')).statusCode).toBe(400);
  });

  it('says what is wrong with a field in words a person reads, not in Zod terms', async () => {
    const problems = async (payload: object) =>
      (await request(alice, 'POST', '/v1/agents', { name: 'x', ...payload })).json<{
        errors: Array<{ field: string; message: string }>;
      }>().errors;
    expect(await problems({ name: '   ' })).toEqual([{ field: 'name', message: 'must not be empty' }]);
    // Zero-width spaces and joiners pass trim(), and were listed as a blank row.
    expect(await problems({ name: '\u200b\u200d\u2060' })).toEqual([
      { field: 'name', message: 'must have a visible character' },
    ]);
    expect(await problems({ name: '\u3164\u3164' })).toEqual([
      { field: 'name', message: 'must have a visible character' },
    ]);
    // A direction override shows "\u202eexe.txt" to every reader as "txt.exe".
    expect(await problems({ name: '\u202eexe.txt' })).toEqual([
      {
        field: 'name',
        message:
          'must not hold control characters or text-direction overrides (such as U+202E), which make it read as something else',
      },
    ]);
    expect(await problems({ name: 'Bell\u0007' })).toHaveLength(1);
    // One name however its accents were typed: 100 composed characters fit, as 100 decomposed ones do.
    expect((await request(alice, 'POST', '/v1/agents', { name: 'e\u0301'.repeat(100) })).json().name).toBe(
      'é'.repeat(100),
    );
    expect(await problems({ name: 'n'.repeat(101) })).toEqual([
      { field: 'name', message: 'must be at most 100 characters' },
    ]);
    expect(await problems({ temperature: 2.5 })).toEqual([{ field: 'temperature', message: 'must be at most 2' }]);
    expect(await problems({ maxOutputTokens: 0 })).toEqual([
      { field: 'maxOutputTokens', message: 'must be at least 1' },
    ]);
    expect(await problems({ temperature: 'warm' })).toEqual([{ field: 'temperature', message: 'must be a number' }]);
    expect(await problems({ maxOutputTokens: 1.5 })).toEqual([
      { field: 'maxOutputTokens', message: 'must be a whole number' },
    ]);
    expect(await problems({ visibility: 'everyone' })).toEqual([
      { field: 'visibility', message: 'must be one of "tenant", "private"' },
    ]);
  });
});
