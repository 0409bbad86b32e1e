import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createSource } from '../knowledge/knowledge-setup.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * PostgreSQL's text cannot hold U+0000, and its jsonb refuses half a surrogate pair. Either one
 * anywhere in what a client sends (a JSON string, a query parameter, a path segment) is a 400 naming
 * the field, checked before anything is stored.
 */
describe('characters PostgreSQL cannot store, in requests', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let conversationId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const agent = await createAgent(t.app, admin);
    conversationId = (await createConversation(t.app, admin, agent.id)).id;
  });
  afterAll(() => t.close());

  const refusal = (field: string) => ({
    code: 'validation_failed',
    errors: [{ field, message: 'contains the NUL character (U+0000), which cannot be stored; remove it' }],
  });

  it.each([
    ['POST', '/v1/agents', '{"name":"Helper","instructions":"Be kind\\u0000"}', 'instructions'],
    ['POST', '/v1/projects', '{"name":"Plans\\u0000"}', 'name'],
    ['POST', '/v1/knowledge-sources', '{"name":"Docs\\u0000"}', 'name'],
    ['POST', '/v1/api-keys', '{"name":"ci\\u0000"}', 'name'],
  ])('refuses %s %s with a NUL in a JSON string, and stores nothing', async (method, url, payload, field) => {
    const response = await t.app.inject({
      method: method as 'POST',
      url,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject(refusal(field));
    const list = await t.app.inject({ method: 'GET', url, headers: admin.headers });
    expect(list.body).not.toContain('\\u0000');
  });

  it('refuses a message with a NUL and keeps the conversation as it was', async () => {
    const url = `/v1/conversations/${conversationId}/messages`;
    const response = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"content":"Hello\\u0000there"}',
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject(refusal('content'));
    const history = await t.app.inject({ method: 'GET', url, headers: admin.headers });
    expect(history.json().items).toEqual([]);
  });

  it('refuses a NUL in a query parameter and in a path segment', async () => {
    const search = await t.app.inject({ method: 'GET', url: '/v1/conversations?q=plan%00', headers: admin.headers });
    expect(search.statusCode, search.body).toBe(400);
    expect(search.json()).toMatchObject(refusal('q'));
    const byId = await t.app.inject({ method: 'GET', url: '/v1/agents/%00', headers: admin.headers });
    expect(byId.statusCode, byId.body).toBe(400);
    expect(byId.json()).toMatchObject(refusal('id'));
  });

  it('names the place of a NUL deep in a body', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"name":"Helper","toolKeys":["ok","bad\\u0000"]}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject(refusal('toolKeys.1'));
  });

  it.each([
    ['a name', '/v1/agents', '{"name":"Helper \\ud83d"}', 'name'],
    ['a list item', '/v1/agents', '{"name":"Helper","toolKeys":["\\udc00ok"]}', 'toolKeys.0'],
    ['a key', '/v1/projects', '{"name":"Plans","\\ud800":1}', '\\ud800'],
  ])('refuses half a surrogate pair in %s', async (_, url, payload, field) => {
    const response = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field, message: expect.stringContaining('half of a UTF-16 surrogate pair') }],
    });
  });

  it('refuses half a surrogate pair in a knowledge query, which failed as a 500 before', async () => {
    const source = await createSource(t.app, admin);
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${source.id}/query`,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"query":"refund \\ud800"}',
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ field: 'query' }] });
  });

  it.each([
    ['/v1/agents', 'name'],
    ['/v1/auth/login', 'email'],
  ])('refuses a body on %s nested deeper than any API body (it overflowed the stack before)', async (url, field) => {
    const depth = 100_000;
    const response = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: `{"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: `${field}${'.0'.repeat(63)}`, message: expect.stringContaining('nested more than 64 levels') }],
    });
  });
});
