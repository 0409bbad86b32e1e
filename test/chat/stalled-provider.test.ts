import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversation, createPlainAndToolAgents } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { captureLogs } from '../harness/log-capture.js';

/**
 * MODEL_STALL_TIMEOUT_MS bounds the provider's silence, MODEL_TIMEOUT_MS the whole reply: a provider
 * that hangs mid-stream is cut off after the first, while a long reply that keeps coming is not.
 * The fake speaks OpenAI's Chat Completions stream and stops sending (without closing) on request.
 */
describe('a provider that goes silent', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let plainAgentId: string;
  let toolAgentId: string;
  const logs = captureLogs();

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_API_KEY: 'sk-stall-test',
        MODEL_TIMEOUT_MS: '60000',
        MODEL_STALL_TIMEOUT_MS: '400',
        LOG_LEVEL: 'warn',
      },
      { logDestination: logs.destination },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    // An agent with a tool runs the AI SDK's tool loop instead of the plain stream: both are bounded.
    ({ plainAgentId, toolAgentId } = await createPlainAndToolAgents(t.app, admin));
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  async function ask(agentId: string) {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Stall' });
    const startedAt = Date.now();
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Hello?' },
    });
    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
    });
    return { response, elapsedMs: Date.now() - startedAt, reply: history.json().items[1] };
  }

  it.each([
    ['the plain stream', () => plainAgentId],
    ['the tool loop', () => toolAgentId],
  ])('is cut off after MODEL_STALL_TIMEOUT_MS in %s, keeping what arrived', async (_, agentId) => {
    openai.respondWith({ replyTokens: ['Partial', ' answer', ' never', ' finished'], stallAfterTokens: 2 });

    const { response, elapsedMs, reply } = await ask(agentId());

    expect(elapsedMs).toBeLessThan(10_000);
    expect(response.statusCode).toBe(504);
    expect(response.json()).toMatchObject({ code: 'model_timeout' });
    expect(reply).toMatchObject({ status: 'error', content: 'Partial answer', error: { code: 'model_timeout' } });
  });

  it('names the silence, not the whole reply, in the plain stream, and logs it for operators', async () => {
    openai.respondWith({ replyTokens: ['Half'], stallAfterTokens: 1 });
    const { response, reply } = await ask(plainAgentId);
    expect(response.json().detail).toBe('The model sent nothing for 0.4 seconds, so the reply was stopped');
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 40,
        messageId: reply.id,
        // Whose turn it was, since a streamed reply's failure is logged apart from its request.
        tenantId: admin.tenantId,
        userId: admin.userId,
        provider: 'openai',
        code: 'model_timeout',
        msg: 'model reply failed: The model sent nothing for 0.4 seconds, so the reply was stopped',
      }),
    );
  });

  it('lets a reply run longer than the stall bound while its parts keep coming', async () => {
    openai.respondWith({ replyTokens: ['One', ' two', ' three', ' four', ' five', ' six'], tokenDelayMs: 150 });

    const { response, elapsedMs, reply } = await ask(plainAgentId);

    expect(elapsedMs).toBeGreaterThan(800);
    expect(response.statusCode).toBe(201);
    expect(reply).toMatchObject({ status: 'complete', content: 'One two three four five six' });
  });
});
