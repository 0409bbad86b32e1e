import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { createServer, syncTools, testMcpBounds } from '../mcp/mcp-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createWebhook, fastRetries } from './webhook-setup.js';

/** A reply that waited for a tool's approval is stored complete by the decision, not by a new turn. */
describe('message.created for a reply continued after a tool approval', () => {
  let openai: FakeOpenAIServer;
  let mcpServer: TestHttpMcpServer;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    [openai, mcpServer, receiver] = await Promise.all([
      startFakeOpenAIServer(),
      startHttpMcpServer(),
      startWebhookReceiver(),
    ]);
    t = await buildTestApp(
      { ...fastRetries, OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-tools-test' },
      { mcp: testMcpBounds },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Tools tenant');
    const webhook = await createWebhook(t.app, admin, { url: receiver.url, eventTypes: ['message.created'] });
    receiver.secret = webhook.secret;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all([openai?.close(), mcpServer?.close(), receiver?.close()]);
  });

  it('sends the reply once the approved tool ran and the model finished, signed', async () => {
    const server = await createServer(t.app, admin, { name: 'calc', transport: 'streamable-http', url: mcpServer.url });
    expect(server.statusCode, server.body).toBe(201);
    const tools = await syncTools(t.app, admin, server.json<{ id: string }>().id);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/tools/${tools.echo!.id}`,
      headers: admin.headers,
      payload: { approval: 'needs_approval' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const agent = await createAgent(t.app, admin, {
      name: 'Careful',
      model: 'openai:gpt-4o-mini',
      toolKeys: [`mcp:${tools.echo!.id}`],
    });
    const conversation = await createConversation(t.app, admin, agent.id);
    openai.respondWith({
      script: [
        {
          replyTokens: ['Let me check. '],
          toolCalls: [{ id: 'call_echo_1', name: 'echo', arguments: '{"message":"hi"}' }],
        },
        { replyTokens: ['It said hi.'] },
      ],
    });
    const first = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Echo hi' },
    });
    expect(first.statusCode, first.body).toBe(201);
    const waiting = first.json<{ assistantMessage: { id: string; status: string } }>().assistantMessage;
    expect(waiting.status).toBe('awaiting_approval');

    const approved = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${waiting.id}/tool-approvals`,
      headers: admin.headers,
      payload: { toolCallId: 'call_echo_1', approved: true },
    });
    expect(approved.statusCode, approved.body).toBe(200);

    const deadline = Date.now() + 30_000;
    const replyEvents = () =>
      receiver.received.filter(
        (delivery) => (delivery.payload?.data.message as { id?: string } | undefined)?.id === waiting.id,
      );
    while (replyEvents().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const [event] = replyEvents();
    expect(event?.isVerified).toBe(true);
    expect(event!.payload!.data.message).toMatchObject({ status: 'complete', content: 'Let me check. It said hi.' });
  });
});
