import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';

const handbook = [
  '# Holidays',
  '',
  'Every employee gets 25 days of paid holiday per year. Unused holiday days expire at the end of March.',
  '',
  '# Expenses',
  '',
  'Travel expenses are refunded within 30 days of the trip. Receipts must be uploaded as PDF files.',
].join('\n');

interface Passage {
  sourceId: string;
  documentId: string;
  documentTitle: string;
  page: number | null;
  score: number;
  content: string;
}
interface AgentEntry {
  id: string;
  name: string;
}
interface Answer {
  conversationId: string;
  messageId: string;
  answer: string;
  citations: { marker: number; documentId: string; documentTitle: string; page: number | null; excerpt: string }[];
}

describe('Parley as an MCP server (/mcp)', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let mcpUrl: URL;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;
  let adminKey: string;
  let memberKey: string;
  let sourceId: string;
  let documentId: string;
  let otherSourceId: string;
  let sharedAgentId: string;
  let adminPrivateAgentId: string;
  let otherTenantAgentId: string;
  const clients: Client[] = [];

  const createApiKey = async (user: SignedInUser): Promise<string> => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.headers,
      payload: { name: 'MCP client' },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ key: string }>().key;
  };

  /** The SDK's own client over Streamable HTTP, as Claude Desktop or an IDE would connect. */
  const connect = async (authorization?: string): Promise<Client> => {
    const transport = new StreamableHTTPClientTransport(mcpUrl, {
      requestInit: { headers: authorization ? { authorization } : {} },
    });
    const client = new Client({ name: 'parley-test-client', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const structuredOf = <T>(result: CallToolResult): T => result.structuredContent as unknown as T;
  const textOf = (result: CallToolResult) =>
    result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-server-secret-0123456789' });
    mcpUrl = new URL('/mcp', await t.app.listen({ host: '127.0.0.1', port: 0 }));
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    member = await createUser(t.app, admin, 'member');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    [adminKey, memberKey] = await Promise.all([createApiKey(admin), createApiKey(member)]);

    sourceId = (await createSource(t.app, admin, { name: 'Handbook' })).id;
    documentId = (await uploadAccepted(t.app, admin, sourceId, Buffer.from(handbook), { filename: 'handbook.md' })).id;
    otherSourceId = (await createSource(t.app, otherAdmin, { name: 'Aviation' })).id;
    expect((await waitForDocument(t.app, admin, sourceId, documentId)).status).toBe('ready');

    sharedAgentId = (
      await createAgent(t.app, admin, { name: 'Handbook helper', model: 'offline', knowledgeSourceIds: [sourceId] })
    ).id;
    adminPrivateAgentId = (
      await createAgent(t.app, admin, { name: 'Admin notes', model: 'offline', visibility: 'private' })
    ).id;
    otherTenantAgentId = (await createAgent(t.app, otherAdmin, { name: 'Pilot', model: 'offline' })).id;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await t?.close();
    await openai?.close();
  });
  beforeEach(() => openai.respondWith({}));

  it('lists its three tools to an MCP client', async () => {
    const client = await connect(`Bearer ${adminKey}`);
    expect(client.getServerVersion()).toMatchObject({ name: 'parley' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['ask_agent', 'list_agents', 'search_knowledge']);
    const search = tools.find((tool) => tool.name === 'search_knowledge');
    expect(search?.inputSchema.required).toEqual(['query']);
  });

  it('search_knowledge finds an uploaded Markdown document, with its document, page and score', async () => {
    const client = await connect(`Bearer ${memberKey}`);
    const result = await call(client, 'search_knowledge', { query: 'paid holiday days per year', topK: 3 });
    expect(result.isError).toBeFalsy();
    const { passages } = structuredOf<{ passages: Passage[] }>(result);
    expect(passages.length).toBeGreaterThan(0);
    expect(passages[0]).toMatchObject({ sourceId, documentId, documentTitle: 'handbook.md', page: null });
    expect(passages[0]!.content).toContain('25 days of paid holiday');
    expect(passages[0]!.score).toBeGreaterThan(0);
    expect(textOf(result)).toContain('[1] handbook.md');
  });

  it('search_knowledge searches only the named sources, and refuses another tenant’s as not found', async () => {
    const client = await connect(`Bearer ${adminKey}`);
    const named = await call(client, 'search_knowledge', { query: 'travel expenses refunded', sourceIds: [sourceId] });
    expect(structuredOf<{ passages: Passage[] }>(named).passages[0]?.content).toContain('Travel expenses');

    const foreign = await call(client, 'search_knowledge', { query: 'zeppelin', sourceIds: [otherSourceId] });
    expect(foreign.isError).toBe(true);
    expect(textOf(foreign)).toBe(`Knowledge source '${otherSourceId}' was not found`);
  });

  it('search_knowledge refuses a topK over 20 with a sentence', async () => {
    const client = await connect(`Bearer ${adminKey}`);
    const result = await call(client, 'search_knowledge', { query: 'holiday', topK: 21 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('topK');
  });

  it('list_agents shows the agents the key’s user can use, and no one else’s private agent', async () => {
    const memberAgentId = (await createAgent(t.app, member, { name: 'My own', model: 'offline' })).id;
    const agentsOf = async (key: string) => {
      const result = await call(await connect(`Bearer ${key}`), 'list_agents');
      expect(result.isError).toBeFalsy();
      return structuredOf<{ agents: AgentEntry[] }>(result)
        .agents.map((agent) => agent.id)
        .sort();
    };
    expect(await agentsOf(memberKey)).toEqual([sharedAgentId, memberAgentId].sort());
    expect(await agentsOf(adminKey)).toEqual([sharedAgentId, adminPrivateAgentId].sort());
  });

  it('ask_agent runs a chat turn on an offline-model agent and answers with citations and the conversation', async () => {
    const client = await connect(`Bearer ${memberKey}`);
    const result = await call(client, 'ask_agent', {
      agentId: sharedAgentId,
      message: 'How many days of paid holiday does an employee get?',
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    const answer = structuredOf<Answer>(result);
    expect(answer.answer).toContain('Every employee gets 25 days of paid holiday per year [1].');
    expect(answer.citations).toEqual([
      expect.objectContaining({ marker: 1, documentId, documentTitle: 'handbook.md', page: null }),
    ]);
    expect(answer.citations[0]!.excerpt).toContain('25 days of paid holiday');
    expect(textOf(result)).toContain(answer.conversationId);

    // The turn is stored like any other: the member finds the conversation, titled after its origin.
    const conversation = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${answer.conversationId}`,
      headers: member.headers,
    });
    expect(conversation.statusCode).toBe(200);
    expect(conversation.json()).toMatchObject({
      agentId: sharedAgentId,
      title: expect.stringMatching(/^MCP: How many/),
    });

    // The conversation id continues it.
    const next = await call(client, 'ask_agent', {
      agentId: sharedAgentId,
      message: 'When are travel expenses refunded?',
      conversationId: answer.conversationId,
    });
    expect(next.isError, textOf(next)).toBeFalsy();
    expect(structuredOf<Answer>(next).conversationId).toBe(answer.conversationId);
    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${answer.conversationId}/messages`,
      headers: member.headers,
    });
    expect(history.json<{ items: unknown[] }>().items).toHaveLength(4);
  });

  it('ask_agent answers isError "not found" for another tenant’s agent, another member’s private agent or conversation', async () => {
    const memberClient = await connect(`Bearer ${memberKey}`);
    for (const agentId of [otherTenantAgentId, adminPrivateAgentId]) {
      const result = await call(memberClient, 'ask_agent', { agentId, message: 'Hello?' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(`Agent '${agentId}' was not found`);
    }
    const adminsConversation = await createConversation(t.app, admin, sharedAgentId, { title: 'Private' });
    const result = await call(memberClient, 'ask_agent', {
      agentId: sharedAgentId,
      message: 'Hello?',
      conversationId: adminsConversation.id,
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`Conversation '${adminsConversation.id}' was not found`);
  });

  it('ask_agent turns a model error into an isError result with the sentence, not a transport error', async () => {
    openai.respondWith({ error: { status: 500 } });
    const agentId = (await createAgent(t.app, admin, { name: 'Provider', model: 'openai:gpt-4o-mini' })).id;
    const client = await connect(`Bearer ${adminKey}`);
    const result = await call(client, 'ask_agent', { agentId, message: 'Will this work?' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('had an internal error (500)');
    expect(textOf(result)).not.toContain('sk-server-secret');
  });

  it('refuses a request without a key, and a browser session’s access token, with 401 and a sentence', async () => {
    await expect(connect()).rejects.toMatchObject({ code: 401 });
    await expect(connect(admin.headers.authorization)).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('accepts tenant API keys only'),
    });
    await expect(connect('Bearer pk_not_a_real_key')).rejects.toMatchObject({ code: 401 });
  });

  it('answers a body that is not JSON-RPC, or a request that does not accept JSON, with a 4xx', async () => {
    const post = (body: string, accept = 'application/json, text/event-stream') =>
      fetch(mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', accept },
        body,
      });
    const notJsonRpc = await post('{"hello":"world"}');
    expect(notJsonRpc.status).toBe(400);
    expect(await notJsonRpc.json()).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    // The transport writes the answer itself; what the hooks set still goes with it.
    const listed = await post(list);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-ratelimit-limit')).toBe('100000');
    expect(listed.headers.get('x-request-id')).toEqual(expect.any(String));
    expect((await post(list, 'text/html')).status).toBe(406);
    expect((await post('{"broken"')).status).toBe(400);
  });

  it('answers GET and DELETE with 405 and a JSON-RPC error: the server is stateless', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await fetch(mcpUrl, { method, headers: { authorization: `Bearer ${adminKey}` } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
    }
  });
});
