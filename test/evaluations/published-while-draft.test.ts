import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentText } from '../fakes/fake-http-server.js';
import { startEmailDesk, type EmailDesk } from '../email/email-desk.js';
import { eventually } from '../harness/chat-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';

const published = 'Answer as the published desk agent.';
const draft = 'Answer as the DRAFT that nobody should see yet.';

/**
 * Issue 67: while an agent has a draft, every channel a customer or a client reaches answers with the
 * published version: the widget, an email inbox, the OpenAI-compatible API and `/mcp`'s ask_agent.
 * Read from what each model call was told (the fake provider's requests), not from the agent's view.
 */
describe('the published version on every channel while a draft waits', () => {
  let desk: EmailDesk;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes: 1_000_000 });
    address = await desk.t.app.listen({ host: '127.0.0.1', port: 0 });
    agentId = desk.agent.id;
    const patched = await desk.t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}`,
      headers: desk.admin.headers,
      payload: { instructions: published },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const drafted = await desk.t.app.inject({
      method: 'PUT',
      url: `/v1/agents/${agentId}/draft`,
      headers: desk.admin.headers,
      payload: { instructions: draft },
    });
    expect(drafted.statusCode, drafted.body).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  /** The system text of the model call that answered `question`, once the call has been made. */
  const systemOfCallAbout = (question: string) =>
    eventually(async () => {
      const request = desk.openai.requests.findLast((recorded) => {
        const messages = (recorded.body as { messages?: { role: string; content: unknown }[] } | undefined)?.messages;
        return messages?.some((message) => message.role === 'user' && contentText(message.content).includes(question));
      });
      const messages = (request?.body as { messages: { role: string; content: unknown }[] } | undefined)?.messages;
      return messages
        ?.filter((message) => message.role === 'system')
        .map((message) => contentText(message.content))
        .join('\n');
    }, 20_000);
  const expectPublished = (system: string) => {
    expect(system).toContain(published);
    expect(system).not.toContain('DRAFT');
  };

  it('an email inbox answers a mail with the published version', async () => {
    await desk.client.send({
      from: 'ann@customer.example',
      to: 'help@shop.example',
      subject: 'Versions',
      text: 'Which version answers my mail?',
      messageId: '<versions-1@customer.example>',
    });
    expectPublished(await systemOfCallAbout('Which version answers my mail?'));
  });

  it('the widget answers a visitor with the published version', async () => {
    const inbox = await createInbox(desk.t.app, desk.admin, { name: 'Site', agentId });
    const visitor = await startVisitor(desk.t.app, inbox.id);
    const conversation = await startConversation(desk.t.app, visitor);
    const sent = await sendAsVisitor(desk.t.app, visitor, conversation.id, 'Which version answers the widget?');
    expect(sent.statusCode, sent.body).toBeLessThan(300);
    expectPublished(await systemOfCallAbout('Which version answers the widget?'));
  });

  it('the OpenAI-compatible API answers with the published version', async () => {
    const response = await desk.t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: desk.admin.headers,
      payload: { model: agentId, messages: [{ role: 'user', content: 'Which version answers the API?' }] },
    });
    expect(response.statusCode, response.body).toBe(200);
    expectPublished(await systemOfCallAbout('Which version answers the API?'));
  });

  it("/mcp's ask_agent answers with the published version", async () => {
    const created = await desk.t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: desk.admin.headers,
      payload: { name: 'Versions client' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const client = new Client({ name: 'versions-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', address), {
        requestInit: { headers: { authorization: `Bearer ${created.json<{ key: string }>().key}` } },
      }),
    );
    try {
      const answer = (await client.callTool({
        name: 'ask_agent',
        arguments: { agentId, message: 'Which version answers MCP?' },
      })) as CallToolResult;
      expect(answer.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    expectPublished(await systemOfCallAbout('Which version answers MCP?'));
  });
});
