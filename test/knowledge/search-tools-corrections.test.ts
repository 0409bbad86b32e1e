import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from './knowledge-setup.js';

/**
 * The agents' search_knowledge and the MCP server's tell the model what they searched instead of the
 * words as written, as the query endpoint and the console tell a person (query-correction.test.ts).
 */
describe('search tools report query corrections to the model', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;
  let mcpClient: Client;
  const searchedInstead = 'Searched for "passwords" instead of "pasword".';

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-corrections-test' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    sourceId = (await createSource(t.app, admin, { name: 'Handbook' })).id;
    const text = 'Passwords expire every ninety days; pick a new one on the account page.';
    const uploaded = await uploadAccepted(t.app, admin, sourceId, Buffer.from(text), { filename: 'passwords.txt' });
    expect((await waitForDocument(t.app, admin, sourceId, uploaded.id)).status).toBe('ready');

    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: admin.headers,
      payload: { name: 'MCP client' },
    });
    expect(key.statusCode, key.body).toBe(201);
    const mcpUrl = new URL('/mcp', await t.app.listen({ host: '127.0.0.1', port: 0 }));
    const transport = new StreamableHTTPClientTransport(mcpUrl, {
      requestInit: { headers: { authorization: `Bearer ${key.json<{ key: string }>().key}` } },
    });
    mcpClient = new Client({ name: 'corrections-test', version: '1.0.0' });
    await mcpClient.connect(transport);
  }, 60_000);
  afterAll(async () => {
    await mcpClient?.close();
    await t?.close();
    await openai?.close();
  });

  it("search_knowledge in a chat turn: the tool result the model reads says what was searched instead", async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Searcher',
      model: 'openai:gpt-4o-mini',
      toolKeys: ['builtin:search_knowledge'],
      knowledgeSourceIds: [sourceId],
    });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Corrections' });
    openai.respondWith({
      script: [
        {
          toolCalls: [
            { id: 'call_corrected', name: 'search_knowledge', arguments: '{"query":"pasword"}' },
            { id: 'call_as_written', name: 'search_knowledge', arguments: '{"query":"pasword","correct":false}' },
          ],
        },
        { replyTokens: ['Done.'] },
      ],
    });
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'text/event-stream' },
      payload: { content: 'When does my password expire?' },
    });
    const outputs = new Map(
      uiMessageParts(response.body)
        .parts.filter((part) => part.type === 'tool-output-available')
        .map((part) => [part.toolCallId, part.output as Record<string, unknown>]),
    );
    expect(outputs.get('call_corrected')).toMatchObject({
      searchedInstead: expect.stringContaining(searchedInstead),
      corrections: [{ from: 'pasword', to: 'passwords' }],
      passages: [expect.objectContaining({ documentTitle: 'passwords.txt' })],
    });
    // Correction off: the words as written, and nothing to report.
    const asWritten = outputs.get('call_as_written');
    expect(asWritten).toHaveProperty('passages');
    expect(asWritten).not.toHaveProperty('searchedInstead');
    expect(asWritten).not.toHaveProperty('corrections');

    // What the model was sent back is the tool result itself.
    const followUp = openai.requests.filter((request) => request.path.endsWith('/chat/completions')).at(-1);
    const toolMessage = (followUp?.body as { messages: { role: string; tool_call_id?: string; content?: unknown }[] })
      .messages.find((message) => message.tool_call_id === 'call_corrected');
    expect(toolMessage?.role).toBe('tool');
    expect(String(toolMessage?.content)).toContain(JSON.stringify(searchedInstead).slice(1, -1));
  });

  it('the MCP search_knowledge says it first in its text and lists the corrections; correct: false turns them off', async () => {
    const corrected = (await mcpClient.callTool({
      name: 'search_knowledge',
      arguments: { query: 'pasword', topK: 3 },
    })) as CallToolResult;
    expect(corrected.isError).toBeFalsy();
    const text = corrected.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
    expect(text.startsWith(searchedInstead)).toBe(true);
    expect(text).toContain('[1] passwords.txt');
    expect(corrected.structuredContent).toMatchObject({ corrections: [{ from: 'pasword', to: 'passwords' }] });

    for (const mode of ['lexical', 'hybrid']) {
      const asWritten = (await mcpClient.callTool({
        name: 'search_knowledge',
        arguments: { query: 'pasword', mode, correct: false },
      })) as CallToolResult;
      expect(asWritten.structuredContent, mode).toMatchObject({ corrections: [] });
      const written = asWritten.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
      expect(written, mode).not.toContain('Searched for');
    }
  });
});
