import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { createAgent, createConversation, sseData } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

/**
 * Requests that race each other on the same objects. On PostgreSQL they really overlap (a pool of
 * connections); on embedded storage they interleave between statements. Either way each must get a
 * clear answer: one wins, the other is told why (409, 404, 401), and nothing is half-written.
 */
describe('concurrent requests on the same objects', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-fake', SIGNUP_MODE: 'open' });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  const statuses = (responses: { statusCode: number }[]) => responses.map((response) => response.statusCode).sort();
  /** The same request sent twice at once. */
  const twice = <T>(send: () => Promise<T>) => Promise.all([send(), send()]);

  it('gives two sign-ups for one email arriving together a tenant each, since addresses are unique per tenant (ADR 3)', async () => {
    const email = uniqueEmail('twin');
    const responses = await twice(() =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email, password: testPassword },
        remoteAddress: nextTestAddress(),
      }),
    );
    expect(statuses(responses), responses.map((response) => response.body).join('\n')).toEqual([201, 201]);
    const tenantIds = responses.map((response) => response.json<{ tenant: { id: string } }>().tenant.id);
    expect(new Set(tenantIds).size).toBe(2);
  });

  it("creates a tenant's user once when an admin's two creates for one email arrive together", async () => {
    const email = uniqueEmail('twin-user');
    const responses = await twice(() =>
      t.app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: admin.headers,
        payload: { email, password: testPassword, role: 'member' },
      }),
    );
    expect(statuses(responses), responses.map((response) => response.body).join('\n')).toEqual([201, 409]);
  });

  it('rotates a refresh token once when two refreshes with it arrive together', async () => {
    const responses = await twice(() =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken: admin.refreshToken },
        remoteAddress: nextTestAddress(),
      }),
    );
    // The second use of a rotated token is a reuse: refused, whichever of the two it is.
    expect(statuses(responses), responses.map((response) => response.body).join('\n')).toEqual([200, 401]);
  });

  it('answers two deletes of one conversation arriving together with 204 or 404, and it is gone', async () => {
    const user = await freshAdmin();
    const agent = await createAgent(t.app, user);
    const conversation = await createConversation(t.app, user, agent.id);
    const url = `/v1/conversations/${conversation.id}`;
    const responses = await twice(() => t.app.inject({ method: 'DELETE', url, headers: user.headers }));
    // DELETE is idempotent: whether the slower one still saw the conversation or not, the outcome is the same.
    expect(statuses(responses)[0]).toBe(204);
    expect([204, 404]).toContain(statuses(responses)[1]);
    expect((await t.app.inject({ method: 'GET', url, headers: user.headers })).statusCode).toBe(404);
  });

  it('keeps both turns, in order, when two messages to one conversation arrive together', async () => {
    const user = await freshAdmin();
    const agent = await createAgent(t.app, user);
    const conversation = await createConversation(t.app, user, agent.id);
    const url = `/v1/conversations/${conversation.id}/messages`;
    const responses = await Promise.all(
      ['first', 'second'].map((content) =>
        t.app.inject({ method: 'POST', url, headers: user.headers, payload: { content } }),
      ),
    );
    expect(statuses(responses), responses.map((response) => response.body).join('\n')).toEqual([201, 201]);
    const history = (await t.app.inject({ method: 'GET', url, headers: user.headers })).json<{
      items: { role: string; content: string; status: string }[];
    }>().items;
    expect(history).toHaveLength(4);
    expect(
      history
        .filter((message) => message.role === 'user')
        .map((message) => message.content)
        .sort(),
    ).toEqual(['first', 'second']);
    expect(
      history.filter((message) => message.role === 'assistant').every((message) => message.status === 'complete'),
    ).toBe(true);
  });

  it.each([
    ['its conversation', (ids: { conversationId: string }) => `/v1/conversations/${ids.conversationId}`],
    ['its agent', (ids: { agentId: string }) => `/v1/agents/${ids.agentId}`],
  ])('ends a streamed reply cleanly when %s is deleted while it streams', async (_, deletedUrl) => {
    openai.respondWith({ replyTokens: Array.from({ length: 20 }, (_, index) => `w${index} `), tokenDelayMs: 25 });
    const user = await freshAdmin();
    const agent = await createAgent(t.app, user, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, user, agent.id);
    const streaming = t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...user.headers, accept: 'text/event-stream' },
      payload: { content: 'Tell me a long story' },
    });
    await sleep(150);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: deletedUrl({ conversationId: conversation.id, agentId: agent.id }),
      headers: user.headers,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const stream = await streaming;
    expect(stream.statusCode).toBe(200);
    const parts = sseData(stream.body);
    // The stream is finished, one way or the other, and says so: never cut off without an end.
    expect(parts.at(-1)).toBe('[DONE]');
    expect((await t.app.inject({ url: '/ready' })).statusCode).toBe(200);
    openai.respondWith({});
  });

  /** A tenant of its own per test, so that one test's deletes cannot touch another's objects. */
  async function freshAdmin(): Promise<SignedInUser> {
    return createTenantWithAdmin(t.app, platformAdmin);
  }
});
