import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIStep } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { createServer, syncTools, testMcpBounds, type SyncedTool } from '../mcp/mcp-setup.js';
import { answerTo, isInLogOrder, openSocket, type Frame } from '../realtime/realtime-client.js';

interface StoredCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  state: string;
  output?: unknown;
  errorMessage?: string;
}
interface Message {
  id: string;
  role: string;
  status: string;
  content: string;
  toolCalls: StoredCall[];
  usage: { totalTokens: number | null } | null;
}
type CompletionBody = {
  messages: Array<{ role: string; content?: unknown; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string } }>;
};

describe('chat with agent tools (MCP and built-in), through the fake OpenAI server', () => {
  let openai: FakeOpenAIServer;
  let mcpServer: TestHttpMcpServer;
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let tools: Record<string, SyncedTool>;
  let otherTools: Record<string, SyncedTool>;

  beforeAll(async () => {
    [openai, mcpServer] = await Promise.all([startFakeOpenAIServer(), startHttpMcpServer()]);
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-tools-test', OUTBOUND_ALLOW: '127.0.0.1' },
      { mcp: testMcpBounds },
    );
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tools tenant');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other tenant');
    const addServer = async (user: SignedInUser) => {
      const created = await createServer(t.app, user, {
        name: 'calc',
        transport: 'streamable-http',
        url: mcpServer.url,
      });
      expect(created.statusCode, created.body).toBe(201);
      return syncTools(t.app, user, created.json<{ id: string }>().id);
    };
    tools = await addServer(admin);
    otherTools = await addServer(otherAdmin);
    // `echo` asks first; `add` runs on its own.
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/tools/${tools.echo!.id}`,
      headers: admin.headers,
      payload: { approval: 'needs_approval' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([openai.close(), mcpServer.close()]);
  });
  beforeEach(() => openai.respondWith({}));

  const completions = () =>
    openai.requests
      .filter((request) => request.path.endsWith('/chat/completions'))
      .map((r) => r.body as CompletionBody);
  const script = (...steps: FakeOpenAIStep[]) => openai.respondWith({ script: steps });
  const callStep = (id: string, name: string, args: unknown): FakeOpenAIStep => ({
    toolCalls: [{ id, name, arguments: JSON.stringify(args) }],
  });
  const agentWith = async (toolKeys: string[]) =>
    (await createAgent(t.app, admin, { name: `Tools ${toolKeys.join(',')}`, model: 'openai:gpt-4o-mini', toolKeys }))
      .id;
  const send = (conversationId: string, content: string, stream = true) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, ...(stream && { accept: 'text/event-stream' }) },
      payload: { content },
    });
  const history = async (conversationId: string, user = admin) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: user.headers })
    ).json<{
      items: Message[];
    }>().items;
  const decide = (
    conversationId: string,
    messageId: string,
    payload: Record<string, unknown>,
    user: SignedInUser = admin,
    stream = false,
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${messageId}/tool-approvals`,
      headers: { ...user.headers, ...(stream && { accept: 'text/event-stream' }) },
      payload,
    });
  const executions = async () =>
    (await t.app.inject({ method: 'GET', url: '/v1/mcp/executions?limit=100', headers: admin.headers })).json<{
      items: Array<{ toolName: string; agentId: string | null; conversationId: string | null; outcome: string }>;
    }>().items;

  it('lets the model call an MCP tool, gives it the result, and stores the calls with the reply', async () => {
    const agentId = await agentWith([`mcp:${tools.add!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Tools' });
    script(callStep('call_add_1', 'add', { a: 2, b: 3 }), { replyTokens: ['The sum', ' is 5.'] });
    const before = completions().length;

    const response = await send(conversation.id, 'What is 2 + 3?');
    expect(response.statusCode).toBe(200);
    const { parts, isDone } = uiMessageParts(response.body);
    expect(isDone).toBe(true);
    expect(parts).toContainEqual(
      expect.objectContaining({
        type: 'tool-input-available',
        toolCallId: 'call_add_1',
        toolName: 'add',
        input: { a: 2, b: 3 },
      }),
    );
    expect(parts).toContainEqual(
      expect.objectContaining({ type: 'tool-output-available', toolCallId: 'call_add_1', output: '5' }),
    );
    const text = parts.filter((part) => part.type === 'text-delta').map((part) => part.delta as string);
    expect(text.join('')).toBe('The sum is 5.');

    // Two model requests: the second carries the tool's result back, and the tool was offered by name.
    const sent = completions().slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.tools?.map((tool) => tool.function.name)).toEqual(['add']);
    expect(sent[1]!.messages).toContainEqual(
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_add_1', content: '5' }),
    );

    const [, reply] = await history(conversation.id);
    expect(reply).toMatchObject({ status: 'complete', content: 'The sum is 5.' });
    expect(reply!.toolCalls).toEqual([
      { toolCallId: 'call_add_1', toolName: 'add', input: { a: 2, b: 3 }, state: 'complete', output: '5' },
    ]);
    expect(reply!.usage?.totalTokens).toBeGreaterThan(0);
    expect(await executions()).toContainEqual(
      expect.objectContaining({ toolName: 'add', agentId, conversationId: conversation.id, outcome: 'success' }),
    );
  });

  it('stops at a tool that needs approval, keeps it across a reload, and continues once approved', async () => {
    const agentId = await agentWith([`mcp:${tools.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Tools' });
    script(
      {
        replyTokens: ['Let me check. '],
        toolCalls: [{ id: 'call_echo_1', name: 'echo', arguments: '{"message":"hi"}' }],
      },
      { replyTokens: ['It said hi.'] },
    );
    const echoRunsBefore = (await executions()).filter((entry) => entry.toolName === 'echo').length;

    const first = await send(conversation.id, 'Echo hi');
    const { parts, isDone } = uiMessageParts(first.body);
    expect(isDone).toBe(true);
    expect(parts).toContainEqual({
      type: 'tool-approval-request',
      approvalId: 'call_echo_1',
      toolCallId: 'call_echo_1',
    });
    expect(parts.some((part) => part.type === 'tool-output-available')).toBe(false);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { status: 'awaiting_approval' } });

    // A reload: everything comes from the database.
    const [, waiting] = await history(conversation.id);
    expect(waiting).toMatchObject({ status: 'awaiting_approval', content: 'Let me check. ' });
    expect(waiting!.toolCalls).toEqual([
      { toolCallId: 'call_echo_1', toolName: 'echo', input: { message: 'hi' }, state: 'awaiting_approval' },
    ]);
    expect((await executions()).filter((entry) => entry.toolName === 'echo')).toHaveLength(echoRunsBefore);

    // Another tenant cannot see or decide it.
    const foreign = await decide(
      conversation.id,
      waiting!.id,
      { toolCallId: 'call_echo_1', approved: true },
      otherAdmin,
    );
    expect(foreign.statusCode).toBe(404);

    const approved = await decide(
      conversation.id,
      waiting!.id,
      { toolCallId: 'call_echo_1', approved: true },
      admin,
      true,
    );
    expect(approved.statusCode).toBe(200);
    const continued = uiMessageParts(approved.body);
    expect(continued.parts).toContainEqual(
      expect.objectContaining({ type: 'tool-output-available', toolCallId: 'call_echo_1', output: 'hi' }),
    );
    expect(continued.parts.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { status: 'complete' } });

    const [, done] = await history(conversation.id);
    expect(done).toMatchObject({ id: waiting!.id, status: 'complete', content: 'Let me check. It said hi.' });
    expect(done!.toolCalls).toEqual([
      expect.objectContaining({ toolCallId: 'call_echo_1', state: 'complete', output: 'hi' }),
    ]);
    expect(completions().at(-1)!.messages).toContainEqual(
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_echo_1', content: 'hi' }),
    );
    expect(await executions()).toContainEqual(
      expect.objectContaining({ toolName: 'echo', agentId, conversationId: conversation.id, outcome: 'success' }),
    );

    const again = await decide(conversation.id, waiting!.id, { toolCallId: 'call_echo_1', approved: false });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ detail: string }>().detail).toMatch(/already decided/);
  });

  it('never runs a denied tool, and tells the model it was denied; only the owner decides', async () => {
    const agentId = await agentWith([`mcp:${tools.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Tools' });
    script(callStep('call_echo_2', 'echo', { message: 'secret' }), { replyTokens: ['Understood, I will not.'] });
    await send(conversation.id, 'Echo secret');
    const [, waiting] = await history(conversation.id);
    expect(waiting!.status).toBe('awaiting_approval');
    const echoRunsBefore = (await executions()).filter((entry) => entry.toolName === 'echo').length;

    // Another admin or an operator of the tenant may read the chat, but a decision runs the tool in the
    // owner's name and continues their reply.
    for (const role of ['operator', 'tenant_admin'] as const) {
      const other = await createUser(t.app, admin, role);
      const refused = await decide(conversation.id, waiting!.id, { toolCallId: 'call_echo_2', approved: true }, other);
      expect(refused.statusCode, refused.body).toBe(403);
      expect(refused.json().detail).toBe("Only the conversation's owner can approve or deny its tool calls");
    }

    const denied = await decide(conversation.id, waiting!.id, {
      toolCallId: 'call_echo_2',
      approved: false,
      reason: 'not today',
    });
    expect(denied.statusCode, denied.body).toBe(200);
    expect(denied.json()).toMatchObject({
      assistantMessage: { status: 'complete', content: 'Understood, I will not.' },
    });
    const toolMessage = completions()
      .at(-1)!
      .messages.find((message) => message.role === 'tool');
    expect(JSON.stringify(toolMessage)).toMatch(/denied.*not today/);
    expect((await executions()).filter((entry) => entry.toolName === 'echo')).toHaveLength(echoRunsBefore);
    const [, done] = await history(conversation.id);
    expect(done!.toolCalls[0]).toMatchObject({ state: 'denied' });

    const unknownCall = await decide(conversation.id, waiting!.id, { toolCallId: 'call_nope', approved: true });
    expect(unknownCall.statusCode).toBe(404);
  });

  it('waits for every call of a step to be decided before continuing the reply', async () => {
    const agentId = await agentWith([`mcp:${tools.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Tools' });
    script(
      {
        toolCalls: [
          { id: 'call_a', name: 'echo', arguments: '{"message":"one"}' },
          { id: 'call_b', name: 'echo', arguments: '{"message":"two"}' },
        ],
      },
      { replyTokens: ['One of two.'] },
    );
    await send(conversation.id, 'Echo both');
    const [, waiting] = await history(conversation.id);
    expect(waiting!.toolCalls.map((call) => call.state)).toEqual(['awaiting_approval', 'awaiting_approval']);
    const requestsBefore = completions().length;

    const first = await decide(conversation.id, waiting!.id, { toolCallId: 'call_a', approved: true });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ assistantMessage: { status: 'awaiting_approval' } });
    expect(completions()).toHaveLength(requestsBefore);

    const second = await decide(conversation.id, waiting!.id, { toolCallId: 'call_b', approved: false });
    expect(second.json()).toMatchObject({ assistantMessage: { status: 'complete', content: 'One of two.' } });
    const [, done] = await history(conversation.id);
    expect(done!.toolCalls.map((call) => [call.toolCallId, call.state, call.output])).toEqual([
      ['call_a', 'complete', 'one'],
      ['call_b', 'denied', undefined],
    ]);
  });

  it("numbers a reply continued after an approval under the seq its return to streaming took: a watcher's events stay in log order", async () => {
    const agentId = await agentWith([`mcp:${tools.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Watched tools' });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const watcher = await openSocket(address, { headers: admin.headers });
    watcher.send({ type: 'subscribe', id: 'w', conversationId: conversation.id });
    await answerTo(watcher, 'w');
    script(
      { replyTokens: ['Checking. '], toolCalls: [{ id: 'call_seq_1', name: 'echo', arguments: '{"message":"ok"}' }] },
      { replyTokens: ['It said ok.'] },
    );
    expect((await send(conversation.id, 'Echo ok')).statusCode).toBe(200);
    const [, waiting] = await history(conversation.id);
    const approved = await decide(conversation.id, waiting!.id, { toolCallId: 'call_seq_1', approved: true });
    expect(approved.statusCode).toBe(200);
    await watcher.next(
      (frame) => frame.type === 'finished' && (frame.message as { status: string }).status === 'complete',
    );
    // The conversation's log (what carries a seq), not the sidebar's activity or the answers to frames.
    const events = watcher.frames.filter(
      (frame) =>
        frame.conversationId === conversation.id && typeof frame.seq === 'number' && frame.type !== 'subscribed',
    );
    expect(isInLogOrder(events), JSON.stringify(events.map((f) => [f.type, f.seq, f.part]))).toBe(true);
    const [waited, done] = events.filter((frame) => frame.type === 'finished');
    const [, restarted] = events.filter((frame) => frame.type === 'message-started');
    expect(waited).toMatchObject({ message: { status: 'awaiting_approval' } });
    expect(restarted).toMatchObject({ messageId: waiting!.id, part: 0 });
    expect(restarted!.seq).toBeGreaterThan(waited!.seq!);
    expect(done!.seq).toBeGreaterThan(restarted!.seq!);
    const deltas = events.filter((frame) => frame.type === 'text-delta').map((frame) => frame.delta);
    expect(deltas.join('')).toBe('Checking. It said ok.');
    await watcher.close();
  });

  it('decides over the socket with approve frames: a decision that leaves a call waiting is a state of its own in the log', async () => {
    const agentId = await agentWith([`mcp:${tools.echo!.id}`]);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Approved over the socket' });
    const address = t.app.server.listening
      ? `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
      : await t.app.listen({ port: 0, host: '127.0.0.1' });
    const [owner, watcher] = await Promise.all([1, 2].map(() => openSocket(address, { headers: admin.headers })));
    watcher!.send({ type: 'subscribe', id: 'w', conversationId: conversation.id });
    await answerTo(watcher!, 'w');
    script(
      {
        toolCalls: [
          { id: 'call_ws_a', name: 'echo', arguments: '{"message":"one"}' },
          { id: 'call_ws_b', name: 'echo', arguments: '{"message":"two"}' },
        ],
      },
      { replyTokens: ['Both done.'] },
    );
    expect((await send(conversation.id, 'Echo both')).statusCode).toBe(200);
    const [, waiting] = await history(conversation.id);
    const isWaitingFinish = (frame: Frame) =>
      frame.type === 'finished' && (frame.message as { status: string }).status === 'awaiting_approval';
    const asked = await watcher!.next(isWaitingFinish);

    // Without messageId: the conversation's reply that waits. One of two calls decided: it still waits.
    owner!.send({
      type: 'approve',
      id: 'a1',
      conversationId: conversation.id,
      toolCallId: 'call_ws_a',
      approved: true,
    });
    expect(await answerTo(owner!, 'a1')).toMatchObject({ type: 'ok', messageId: waiting!.id });
    const decidedOne = await watcher!.next(
      (frame) => isWaitingFinish(frame) && frame.seq! > asked.seq!,
      watcher!.frames.indexOf(asked) + 1,
    );
    expect(decidedOne.seq).toBe(asked.seq! + 1);
    // As stored: the approved call waits to run with the other, still undecided.
    const [, stored] = await history(conversation.id);
    expect(stored!.toolCalls.map((call) => call.state)).toEqual(['running', 'awaiting_approval']);
    expect((decidedOne.message as Message).toolCalls).toEqual(stored!.toolCalls);
    // A client that had the log up to the question gets the decision on resuming, as it is stored.
    const resumer = await openSocket(address, { headers: admin.headers });
    resumer.send({ type: 'subscribe', id: 'r', conversationId: conversation.id, after: asked.seq });
    expect(await answerTo(resumer, 'r')).toMatchObject({ seq: decidedOne.seq });
    expect(resumer.frames.find((frame) => frame.seq === decidedOne.seq)).toMatchObject({
      message: { id: waiting!.id, toolCalls: stored!.toolCalls },
    });

    owner!.send({
      type: 'approve',
      id: 'a2',
      conversationId: conversation.id,
      toolCallId: 'call_ws_b',
      approved: false,
    });
    expect(await answerTo(owner!, 'a2')).toMatchObject({ type: 'ok', messageId: waiting!.id });
    await watcher!.next(
      (frame) => frame.type === 'finished' && (frame.message as { status: string }).status === 'complete',
    );
    const events = watcher!.frames.filter(
      (frame) =>
        frame.conversationId === conversation.id && typeof frame.seq === 'number' && frame.type !== 'subscribed',
    );
    expect(isInLogOrder(events), JSON.stringify(events.map((f) => [f.type, f.seq, f.part]))).toBe(true);
    const seqs = [...new Set(events.map((frame) => frame.seq!))];
    expect(seqs).toEqual(seqs.map((_, index) => seqs[0]! + index));
    // A call decided already is refused as over HTTP.
    owner!.send({
      type: 'approve',
      id: 'a3',
      conversationId: conversation.id,
      messageId: waiting!.id,
      toolCallId: 'call_ws_b',
      approved: true,
    });
    expect(await answerTo(owner!, 'a3')).toMatchObject({ type: 'error', code: 'conflict' });
    await Promise.all([owner!.close(), watcher!.close(), resumer.close()]);
  });

  it('runs the built-in current_time and search_knowledge tools', async () => {
    const agentId = await agentWith(['builtin:current_time', 'builtin:search_knowledge']);
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Tools' });
    script(
      {
        toolCalls: [
          { id: 'call_time', name: 'current_time', arguments: '{"timeZone":"Europe/Paris"}' },
          { id: 'call_bad_zone', name: 'current_time', arguments: '{"timeZone":"Mars/Olympus"}' },
          { id: 'call_search', name: 'search_knowledge', arguments: '{"query":"refunds"}' },
        ],
      },
      { replyTokens: ['Done.'] },
    );
    const response = await send(conversation.id, 'What time is it?');
    const { parts } = uiMessageParts(response.body);
    const timeOutput = parts.find((part) => part.type === 'tool-output-available' && part.toolCallId === 'call_time');
    expect(timeOutput?.output).toMatchObject({
      timeZone: 'Europe/Paris',
      iso: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(parts).toContainEqual(
      expect.objectContaining({
        type: 'tool-output-error',
        toolCallId: 'call_bad_zone',
        errorText: expect.stringMatching(/Unknown time zone 'Mars\/Olympus'/),
      }),
    );
    const searchOutput = parts.find(
      (part) => part.type === 'tool-output-available' && part.toolCallId === 'call_search',
    );
    expect(searchOutput?.output).toMatchObject({ passages: [], note: expect.stringMatching(/no knowledge sources/) });
    const [, reply] = await history(conversation.id);
    expect(reply!.toolCalls.map((call) => call.state)).toEqual(['complete', 'error', 'complete']);
  });

  it('runs an offline agent with tools as a plain turn: the offline model cannot choose tools', async () => {
    const agentId = (
      await createAgent(t.app, admin, { name: 'Offline tools', model: 'offline', toolKeys: ['builtin:current_time'] })
    ).id;
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Tools' });
    const before = completions().length;
    const response = await send(conversation.id, 'What time is it?', false);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ assistantMessage: { status: 'complete', toolCalls: [] } });
    expect(completions()).toHaveLength(before);
  });

  it("checks an agent's tool keys: another tenant's tool is unknown, and keys are replaced whole", async () => {
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: admin.headers,
      payload: { name: 'Thief', toolKeys: [`mcp:${otherTools.add!.id}`] },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json<{ detail: string }>().detail).toContain(otherTools.add!.id);

    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: admin.headers,
      payload: { name: 'Bad', toolKeys: ['builtin:rm_rf'] },
    });
    expect(malformed.statusCode).toBe(400);

    const agentId = await agentWith(['builtin:current_time']);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}`,
      headers: admin.headers,
      payload: { toolKeys: [`mcp:${tools.add!.id}`, 'builtin:search_knowledge'] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json<{ toolKeys: string[] }>().toolKeys).toEqual(
      [`mcp:${tools.add!.id}`, 'builtin:search_knowledge'].sort(),
    );

    const catalog = await t.app.inject({ method: 'GET', url: '/v1/agents/tool-catalog', headers: admin.headers });
    expect(catalog.statusCode).toBe(200);
    const items = catalog.json<{ items: Array<{ key: string; source: string; approval: string }> }>().items;
    expect(items).toContainEqual(expect.objectContaining({ key: 'builtin:current_time', source: 'builtin' }));
    expect(items).toContainEqual(
      expect.objectContaining({
        key: `mcp:${tools.echo!.id}`,
        source: 'mcp',
        approval: 'needs_approval',
        serverName: 'calc',
      }),
    );
    expect(items.some((item) => item.key === `mcp:${otherTools.add!.id}`)).toBe(false);
  });
});
