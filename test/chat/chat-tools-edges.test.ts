import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { createServer, syncTools, testMcpBounds, type SyncedTool } from '../mcp/mcp-setup.js';

interface StoredCall {
  toolCallId: string;
  toolName: string;
  state: string;
  errorMessage?: string;
}
interface Message {
  id: string;
  status: string;
  content: string;
  finishReason: string | null;
  toolCalls: StoredCall[];
}
type CompletionBody = { tool_choice?: unknown; tools?: Array<{ function: { name: string } }> };

/**
 * An MCP server whose tools wait a minute, far past any stop, and count their calls: the test then
 * knows a call is running before it stops the reply.
 */
async function startWaitingMcpServer() {
  const counts = { started: 0 };
  const server = await startHttpMcpServer('127.0.0.1', () => {
    const mcp = new McpServer({ name: 'waiting', version: '1.0.0' });
    for (const name of ['wait', 'wait_approved']) {
      mcp.registerTool(name, { description: 'Waits a minute' }, async (extra) => {
        counts.started += 1;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 60_000);
          // The server is stateless (one per request): the request's end is the only cancellation it sees.
          extra.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return { content: [{ type: 'text' as const, text: 'woke up' }] };
      });
    }
    return mcp;
  });
  return { server, counts };
}

type InjectedResponse = Awaited<ReturnType<TestApp['app']['inject']>>;

/** A stop's answer: the reply kept and shown `stopped`, with its one tool call ended as an error. */
function expectStoppedWithEndedCall(stopped: InjectedResponse, toolCallId: string, errorMessage: unknown): void {
  expect(stopped.statusCode, stopped.body).toBe(200);
  expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped' });
  expect(stopped.json<{ toolCalls: unknown[] }>().toolCalls).toEqual([
    expect.objectContaining({ toolCallId, state: 'error', errorMessage }),
  ]);
}

/** Tool calls at their edges: names that move between turns, stops while a tool runs, the step bound. */
describe('chat tool calls at their edges, through the fake OpenAI server', () => {
  let openai: FakeOpenAIServer;
  let calc: TestHttpMcpServer;
  let waiting: Awaited<ReturnType<typeof startWaitingMcpServer>>;
  let t: TestApp;
  let admin: SignedInUser;
  let first: Record<string, SyncedTool>;
  let second: Record<string, SyncedTool>;
  let waits: Record<string, SyncedTool>;

  beforeAll(async () => {
    [openai, calc, waiting] = await Promise.all([
      startFakeOpenAIServer(),
      startHttpMcpServer(),
      startWaitingMcpServer(),
    ]);
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-tools-test', OUTBOUND_ALLOW: '127.0.0.1' },
      // Tool calls may wait far longer than a stop takes.
      { mcp: { ...testMcpBounds, callTimeoutMs: 60_000 } },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Edges tenant');
    const addServer = async (name: string, url: string) => {
      const created = await createServer(t.app, admin, { name, transport: 'streamable-http', url });
      expect(created.statusCode, created.body).toBe(201);
      return syncTools(t.app, admin, created.json<{ id: string }>().id);
    };
    // Two servers with the same tools: the model knows the second one's as `echo_2`.
    first = await addServer('calc-a', calc.url);
    second = await addServer('calc-b', calc.url);
    waits = await addServer('waiting', waiting.server.url);
    for (const id of [first.echo!.id, waits.wait_approved!.id]) {
      const patched = await patchTool(id, { approval: 'needs_approval' });
      expect(patched.statusCode, patched.body).toBe(200);
    }
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([openai.close(), calc.close(), waiting.server.close()]);
  });

  const patchTool = (id: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/v1/mcp/tools/${id}`, headers: admin.headers, payload });
  const completions = () =>
    openai.requests
      .filter((request) => request.path.endsWith('/chat/completions'))
      .map((r) => r.body as CompletionBody);
  const agentWith = async (toolKeys: string[]) =>
    (await createAgent(t.app, admin, { name: `Edges ${toolKeys.join(',')}`, model: 'openai:gpt-4o-mini', toolKeys }))
      .id;
  const send = (conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: admin.headers,
      payload: { content },
    });
  const decide = (conversationId: string, messageId: string, toolCallId: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${messageId}/tool-approvals`,
      headers: admin.headers,
      payload: { toolCallId, approved: true },
    });
  const stop = (conversationId: string, messageId: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${messageId}/stop`,
      headers: admin.headers,
    });
  const reply = async (conversationId: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: admin.headers,
    });
    return response.json<{ items: Message[] }>().items[1]!;
  };
  const echoRuns = async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/mcp/executions?limit=100', headers: admin.headers });
    return response.json<{ items: Array<{ toolName: string }> }>().items.filter((entry) => entry.toolName === 'echo')
      .length;
  };

  it('runs an approved call on the tool the user approved, never on another tool that took its name since', async () => {
    const agentId = await agentWith([`mcp:${first.echo!.id}`, `mcp:${second.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Names' });
    openai.respondWith({
      script: [
        { toolCalls: [{ id: 'call_echo', name: 'echo', arguments: '{"message":"which one?"}' }] },
        { replyTokens: ['Done.'] },
      ],
    });
    await send(conversation.id, 'Echo');
    expect(
      completions()
        .at(-1)!
        .tools!.map((entry) => entry.function.name),
    ).toEqual(['echo', 'echo_2']);
    const asked = await reply(conversation.id);
    expect(asked.toolCalls).toEqual([expect.objectContaining({ toolName: 'echo', state: 'awaiting_approval' })]);
    const runsBefore = await echoRuns();

    // The first server's `echo` goes away: the second one's would now be offered as `echo`.
    expect((await patchTool(first.echo!.id, { enabled: false })).statusCode).toBe(200);
    try {
      const approved = await decide(conversation.id, asked.id, 'call_echo');
      expect(approved.statusCode, approved.body).toBe(200);
      expect((await reply(conversation.id)).toolCalls).toEqual([
        expect.objectContaining({
          toolCallId: 'call_echo',
          state: 'error',
          errorMessage: "Tool 'echo' is no longer available to this agent",
        }),
      ]);
      expect(await echoRuns()).toBe(runsBefore);
    } finally {
      await patchTool(first.echo!.id, { enabled: true });
    }
  });

  it('fails a reply waiting for approval whose agent was deleted, instead of leaving it waiting for ever', async () => {
    const agentId = await agentWith([`mcp:${first.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Orphaned approval' });
    openai.respondWith({
      script: [{ toolCalls: [{ id: 'call_orphan', name: 'echo', arguments: '{"message":"hi"}' }] }],
    });
    await send(conversation.id, 'Echo');
    const asked = await reply(conversation.id);
    expect(asked.status).toBe('awaiting_approval');
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/agents/${agentId}`, headers: admin.headers });
    expect(deleted.statusCode).toBe(204);

    const decided = await decide(conversation.id, asked.id, 'call_orphan');
    expect(decided.statusCode).toBe(422);
    expect(decided.json().detail).toMatch(/agent no longer exists, so its reply cannot continue/);
    expect(await reply(conversation.id)).toMatchObject({ status: 'error', finishReason: 'error' });
    expect((await decide(conversation.id, asked.id, 'call_orphan')).statusCode).toBe(409);
  });

  it('refuses a decision on a member’s reply whose agent was made private since, running no tool and no model', async () => {
    const member = await createUser(t.app, admin);
    const agentId = await agentWith([`mcp:${first.echo!.id}`]);
    const conversation = await createConversation(t.app, member, agentId, { title: 'Agent taken private' });
    openai.respondWith({
      script: [{ toolCalls: [{ id: 'call_private', name: 'echo', arguments: '{"message":"hi"}' }] }],
    });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: member.headers,
      payload: { content: 'Echo' },
    });
    const asked = sent.json<{ assistantMessage: Message }>().assistantMessage;
    expect(asked.status).toBe('awaiting_approval');
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}`,
      headers: admin.headers,
      payload: { visibility: 'private' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const [runsBefore, completionsBefore] = [await echoRuns(), completions().length];

    const decided = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${asked.id}/tool-approvals`,
      headers: member.headers,
      payload: { toolCallId: 'call_private', approved: true },
    });
    expect(decided.statusCode, decided.body).toBe(422);
    expect(decided.json().detail).toBe(
      "This conversation's agent is no longer available to you, so its tool calls cannot be decided; start a new conversation",
    );
    expect(await echoRuns()).toBe(runsBefore);
    expect(completions()).toHaveLength(completionsBefore);
    expect((await reply(conversation.id)).toolCalls).toEqual([
      expect.objectContaining({ toolCallId: 'call_private', state: 'awaiting_approval' }),
    ]);
  });

  it('a stop ends the tool a reply waits for, and the call is stored as ended, not running', async () => {
    const agentId = await agentWith([`mcp:${waits.wait!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Stop a tool' });
    openai.respondWith({ script: [{ toolCalls: [{ id: 'call_wait', name: 'wait', arguments: '{}' }] }] });
    const started = waiting.counts.started;
    const sent = send(conversation.id, 'Wait for it');
    await eventually(async () => (waiting.counts.started > started ? true : undefined));

    const stopped = await stop(conversation.id, (await reply(conversation.id)).id);

    expectStoppedWithEndedCall(stopped, 'call_wait', 'The reply was stopped before the tool answered');
    expect((await sent).statusCode).toBe(201);
  });

  it('a stop ends an approved tool while it runs, as it does in a plain turn', async () => {
    const agentId = await agentWith([`mcp:${waits.wait_approved!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Stop an approved tool' });
    openai.respondWith({ script: [{ toolCalls: [{ id: 'call_approved', name: 'wait_approved', arguments: '{}' }] }] });
    await send(conversation.id, 'Wait, once I say so');
    const asked = await reply(conversation.id);
    expect(asked.status).toBe('awaiting_approval');
    const started = waiting.counts.started;
    const approved = decide(conversation.id, asked.id, 'call_approved');
    await eventually(async () => (waiting.counts.started > started ? true : undefined));

    const stopped = await stop(conversation.id, asked.id);

    expectStoppedWithEndedCall(stopped, 'call_approved', expect.stringMatching(/cancelled/));
    expect((await approved).statusCode).toBe(200);
  });

  it('asks the last step of the loop for an answer without tools, so a model that keeps calling them still answers', async () => {
    const agentId = await agentWith([`mcp:${first.add!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Steps' });
    const call = (index: number) => ({
      toolCalls: [{ id: `call_add_${index}`, name: 'add', arguments: `{"a":${index},"b":1}` }],
    });
    openai.respondWith({
      script: [...Array.from({ length: 7 }, (_, index) => call(index)), { replyTokens: ['The sums are in.'] }],
    });
    const before = completions().length;

    const sent = await send(conversation.id, 'Add forever');

    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().assistantMessage).toMatchObject({ status: 'complete', content: 'The sums are in.' });
    const requests = completions().slice(before);
    expect(requests).toHaveLength(8);
    expect(requests.map((request) => request.tool_choice)).toEqual([...Array<string>(7).fill('auto'), 'none']);
  });
});
