import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropicServer, type FakeAnthropicServer } from '../fakes/fake-anthropic-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createChatRepository } from '../../src/modules/chat/chat.repository.js';
import { expectationOf } from '../../src/modules/chat/turn-contexts.js';
import { newId } from '../../src/platform/ids.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

const serverApiKey = 'sk-server-secret-0123456789';

describe('chat through provider fakes', () => {
  let openai: FakeOpenAIServer;
  let anthropic: FakeAnthropicServer;
  let t: TestApp;
  let admin: SignedInUser;
  let agentId: string;
  /** The app also listens on a real port, for what app.inject cannot show: arrival times, disconnects. */
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    anthropic = await startFakeAnthropicServer();
    t = await buildTestApp({
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: serverApiKey,
      // The same fake, as a DeepSeek-style server that streams `reasoning_content`.
      OPENAI_COMPATIBLE_BASE_URL: openai.baseUrl,
      OPENAI_COMPATIBLE_NAME: 'deepseek',
      MODEL_TIMEOUT_MS: '1000',
      // Small enough for a test to pass them with a few long messages.
      CHAT_HISTORY_MAX_CHARS: '20000',
      CHAT_HISTORY_MAX_TOKENS: '5000',
      // The tenant's own provider below is a fake on 127.0.0.1, which the outbound guard refuses by default.
      OUTBOUND_ALLOW: '127.0.0.1',
    });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (
      await createAgent(t.app, admin, {
        name: 'GPT',
        instructions: 'Answer like a pirate.',
        model: 'openai:gpt-4o-mini',
        temperature: 0.3,
        maxOutputTokens: 200,
      })
    ).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
    await anthropic.close();
  });
  beforeEach(() => openai.respondWith({}));

  const completionRequests = () => openai.requests.filter((request) => request.path.endsWith('/chat/completions'));
  const send = (conversationId: string, content: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, ...headers },
      payload: { content },
    });
  const history = async (conversationId: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: admin.headers })
    ).json().items as Array<Record<string, unknown> & { id: string; status: string; content: string }>;
  const titled = (title = 'Fixed title') => createConversation(t.app, admin, agentId, { title });
  /** The tenant's own Anthropic provider, on the fake. */
  const addClaude = (name: string, apiKey: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: admin.headers,
      payload: { name, kind: 'anthropic', baseUrl: anthropic.baseUrl, apiKey },
    });

  it('stores the reply with usage, timings and finish reason, sending instructions and history', async () => {
    openai.respondWith({ replyTokens: ['Ahoy', ' matey', '!'] });
    const conversation = await titled();
    expect((await send(conversation.id, 'First question')).statusCode).toBe(201);
    const response = await send(conversation.id, 'Second question');
    expect(response.statusCode).toBe(201);
    expect(response.json().assistantMessage).toMatchObject({
      content: 'Ahoy matey!',
      reasoning: null,
      status: 'complete',
      model: 'openai:gpt-4o-mini',
      finishReason: 'stop',
      usage: { inputTokens: expect.any(Number), outputTokens: 3, totalTokens: expect.any(Number) },
      timeToFirstTokenMs: expect.any(Number),
      durationMs: expect.any(Number),
    });
    const body = openai.lastRequest().body as {
      messages: { role: string; content: unknown }[];
      temperature: number;
      max_tokens: number;
    };
    expect(body.messages).toEqual([
      { role: 'system', content: 'Answer like a pirate.' },
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'Ahoy matey!' },
      { role: 'user', content: 'Second question' },
    ]);
    expect(body).toMatchObject({ temperature: 0.3, max_tokens: 200 });
    expect(openai.lastRequest().headers.authorization).toBe(`Bearer ${serverApiKey}`);
  });

  it('sends the model only as much recent history as CHAT_HISTORY_MAX_TOKENS holds, the newest message always, and bridges the rest', async () => {
    openai.respondWith({ replyTokens: ['Noted.'] });
    const conversation = await titled();
    // 2,001 tokens each (o200k_base: one for the letter, one per " word").
    for (const letter of ['a', 'b', 'c']) {
      expect((await send(conversation.id, `${letter}${' word'.repeat(2_000)}`)).statusCode).toBe(201);
    }
    const sent = () => (openai.lastRequest().body as { messages: { role: string; content: string }[] }).messages;
    // c and b with their replies fit 5,000 tokens; a does not, and the system prompt bridges it in a line.
    expect(sent().map((message) => message.content.slice(0, 1))).toEqual(['A', 'b', 'N', 'c']);
    expect(sent()[0]!.content).toContain('Earlier in this conversation, before the messages below');
    expect(sent()[0]!.content).toContain('User: a word word');
    expect(sent()[0]!.content).not.toContain('not shown');
    // One message over the whole budget (6,001 tokens) still goes, alone.
    expect((await send(conversation.id, `d${' word'.repeat(6_000)}`)).statusCode).toBe(201);
    expect(sent().map((message) => message.role)).toEqual(['system', 'user']);
  });

  it('reads no history message longer than could be sent: a huge old reply is read cut, not whole', async () => {
    openai.respondWith({ replyTokens: ['Short.'] });
    const conversation = await titled();
    const first = (await send(conversation.id, 'First')).json();
    const huge = 'x'.repeat(200_000);
    await t.database.executeSql('update messages set content = $1 where id = $2', [huge, first.assistantMessage.id]);
    const second = (await send(conversation.id, 'Second')).json();

    const read = await createChatRepository().recentHistory(
      t.database.db,
      admin.tenantId,
      conversation.id,
      second.assistantMessage.id,
      { limit: 40, maxChars: 20_000 },
    );
    // The user's question may be 32,000 characters and is sent whole when newest; one more tells "too long".
    expect(read.map((message) => message.content.length)).toEqual([5, 32_001, 6]);
  });

  it('stores a turn with the history before it oldest first, and the newest summary that ends before it', async () => {
    openai.respondWith({ replyTokens: ['Noted.'] });
    const conversation = await titled();
    for (const content of ['one', 'two', 'three']) expect((await send(conversation.id, content)).statusCode).toBe(201);
    const [firstQuestion, firstReply, secondQuestion, secondReply] = await history(conversation.id);
    const summarise = (content: string, last: { id: string }) =>
      t.database.executeSql(
        `insert into conversation_summaries
           (id, tenant_id, conversation_id, content, first_message_id, last_message_id, message_count, user_turns, model)
         values ($1, $2, $3, $4, $5, $6, 2, 1, 'offline')`,
        [newId(), admin.tenantId, conversation.id, content, firstQuestion!.id, last.id],
      );
    await summarise('Up to one.', firstReply!);
    await summarise('Up to two.', secondReply!);

    const repository = createChatRepository();
    const context = await repository.findTurnContext(t.database.db, admin.tenantId, conversation.id);
    const stored = await repository.storeTurn(t.database.db, {
      tenantId: admin.tenantId,
      conversationId: conversation.id,
      userMessageId: newId(),
      assistantMessageId: newId(),
      content: 'four',
      attachments: null,
      modelRef: 'openai:gpt-4o-mini',
      agentVersion: context!.agent!.publishedVersion,
      now: new Date(),
      expected: expectationOf(admin.userId, { conversation: context!.conversation, agent: context!.agent! }),
      // The user's new message counts: four of the six earlier ones are read.
      historyLimit: 5,
      historyMaxChars: 20_000,
    });
    expect(stored.isStored).toBe(true);
    expect(stored.conversation.messageCountBefore).toBe(6);
    expect(stored.history.map((message) => message.content)).toEqual(['two', 'Noted.', 'three', 'Noted.']);
    expect(stored.history[0]!.id).toBe(secondQuestion!.id);
    expect(stored.isHistoryWhole).toBe(false);
    expect(stored.summary).toEqual({ lastMessageId: secondReply!.id, content: 'Up to two.' });
  });

  it('stores and streams reasoning as reasoning parts before the text', async () => {
    openai.respondWith({ reasoningTokens: ['Arr', ' thinking'], replyTokens: ['Ahoy', '!'] });
    const reasoner = await createAgent(t.app, admin, { name: 'Reasoner', model: 'deepseek:deepseek-reasoner' });
    const conversation = await createConversation(t.app, admin, reasoner.id, { title: 'Reasoning' });
    const response = await send(conversation.id, 'Think first', { accept: 'text/event-stream' });
    const { parts } = uiMessageParts(response.body);
    expect(parts.map((part) => part.type)).toEqual([
      'start',
      'start-step',
      'reasoning-start',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-end',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    const [, assistant] = await history(conversation.id);
    expect(assistant).toMatchObject({
      content: 'Ahoy!',
      reasoning: 'Arr thinking',
      model: 'deepseek:deepseek-reasoner',
      usage: { outputTokens: 4, reasoningTokens: 2 },
    });
  });

  it('writes each delta as it arrives, without coalescing', async () => {
    // 150 ms apart (the whole reply within this app's MODEL_TIMEOUT_MS): a busy two-core CI machine
    // stalled the test's own reading for over 50 ms, so that two deltas sent apart were read as one chunk.
    openai.respondWith({ replyTokens: ['one', ' two', ' three', ' four'], tokenDelayMs: 150 });
    const conversation = await titled();
    const response = await fetch(`${address}/v1/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...admin.headers, accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Count to five' }),
    });
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const arrivals: { at: number; deltas: number }[] = [];
    const decoder = new TextDecoder();
    let body = '';
    for await (const chunk of response.body!) {
      const text = decoder.decode(chunk, { stream: true });
      body += text;
      const deltas = text.split('"type":"text-delta"').length - 1;
      if (deltas > 0) arrivals.push({ at: performance.now(), deltas });
    }
    expect(arrivals.map((arrival) => arrival.deltas)).toEqual([1, 1, 1, 1]);
    expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(400);
    expect(uiMessageParts(body).isDone).toBe(true);
  });

  it('stores a reply in which the model sent a NUL character, without it', async () => {
    // PostgreSQL's text cannot hold U+0000: the reply used to fail to store.
    openai.respondWith({ replyTokens: ['Null', '\u0000', ' and void'], reasoningTokens: ['Think\u0000ing'] });
    // The OpenAI-compatible adapter of a reasoning model reads the reasoning the fake sends.
    const reasoner = await createAgent(t.app, admin, { name: 'Odd', model: 'deepseek:deepseek-reasoner' });
    const conversation = await createConversation(t.app, admin, reasoner.id, { title: 'Odd' });
    const response = await send(conversation.id, 'Say something odd');
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().assistantMessage).toMatchObject({ status: 'complete', content: 'Null and void' });
    const [, assistant] = await history(conversation.id);
    expect(assistant).toMatchObject({ status: 'complete', content: 'Null and void', reasoning: 'Thinking' });
  });

  it('keeps going when the client disconnects mid-stream, and stores the whole reply', async () => {
    const tokens = Array.from({ length: 10 }, (_, index) => ` word${index}`);
    openai.respondWith({ replyTokens: tokens, tokenDelayMs: 40 });
    const conversation = await titled();
    const disconnect = new AbortController();
    const response = await fetch(`${address}/v1/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...admin.headers, accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Talk for a while' }),
      signal: disconnect.signal,
    });
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('text-delta')) received += new TextDecoder().decode((await reader.read()).value);
    disconnect.abort();

    const stored = await eventually(async () => {
      const [, assistant] = await history(conversation.id);
      return assistant && assistant.status !== 'streaming' ? assistant : undefined;
    });
    expect(stored).toMatchObject({ status: 'complete', content: tokens.join(''), finishReason: 'stop' });
  });

  it.each([
    { status: 500, code: 'model_error', httpStatus: 502, detail: 'had an internal error (500)' },
    { status: 401, code: 'model_error', httpStatus: 502, detail: 'rejected the API key (401)' },
    { status: 429, code: 'rate_limited', httpStatus: 429, detail: 'rate limiting requests (429)' },
  ])(
    'answers a provider $status with a $httpStatus problem and keeps the user message',
    async ({ status, code, httpStatus, detail }) => {
      openai.respondWith({ error: { status, retryAfterSeconds: status === 429 ? 7 : undefined } });
      const conversation = await titled();
      const response = await send(conversation.id, 'Will this work?');
      expect(response.statusCode).toBe(httpStatus);
      expect(response.headers['content-type']).toContain('application/problem+json');
      const problem = response.json();
      expect(problem).toMatchObject({
        code,
        conversationId: conversation.id,
        userMessageId: expect.any(String),
        assistantMessageId: expect.any(String),
      });
      expect(problem.detail).toContain(detail);
      expect(response.body).not.toContain(serverApiKey);
      if (status === 429) expect(response.headers['retry-after']).toBe('7');

      const [user, assistant] = await history(conversation.id);
      expect(user).toMatchObject({ id: problem.userMessageId, content: 'Will this work?', status: 'complete' });
      expect(assistant).toMatchObject({
        id: problem.assistantMessageId,
        status: 'error',
        finishReason: 'error',
        error: { code, message: problem.detail },
      });
    },
  );

  it('ends an event stream with an error part when the model fails', async () => {
    openai.respondWith({ error: { status: 503 } });
    const conversation = await titled();
    const response = await send(conversation.id, 'Hello?', { accept: 'text/event-stream' });
    const { parts, isDone } = uiMessageParts(response.body);
    expect(parts.map((part) => part.type)).toEqual(['start', 'start-step', 'error', 'finish']);
    expect(parts[2]!.errorText).toContain('(503)');
    expect(parts[3]).toMatchObject({ finishReason: 'error', messageMetadata: { status: 'error' } });
    expect(isDone).toBe(true);
  });

  it('stops a stalled stream at MODEL_TIMEOUT_MS with a timeout error, keeping what arrived', async () => {
    openai.respondWith({ replyTokens: ['Partial', ' answer', ' never', ' finished'], stallAfterTokens: 2 });
    const conversation = await titled();
    const startedAt = Date.now();
    const response = await send(conversation.id, 'Stall please');
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(response.statusCode).toBe(504);
    expect(response.json()).toMatchObject({ code: 'model_timeout' });
    const [, assistant] = await history(conversation.id);
    expect(assistant).toMatchObject({ status: 'error', content: 'Partial answer', error: { code: 'model_timeout' } });
  });

  it('stores a reply whose stream ended before the provider finished it as an error, keeping what arrived', async () => {
    const claude = await addClaude('cut-claude', 'sk-ant-cut');
    expect(claude.statusCode, claude.body).toBe(201);
    anthropic.respondWith({ replyTokens: ['Half', ' a', ' thought'], endAfterTokens: 2 });
    openai.respondWith({ replyTokens: ['Half', ' a', ' thought'], endAfterTokens: 2 });
    const agents = [
      agentId,
      (await createAgent(t.app, admin, { name: 'Cut Claude', model: 'cut-claude:claude-haiku-4-5' })).id,
      // With a tool, the reply goes through the AI SDK's tool loop instead.
      (
        await createAgent(t.app, admin, {
          name: 'Cut tools',
          model: 'openai:gpt-4o-mini',
          toolKeys: ['builtin:current_time'],
        })
      ).id,
    ];
    for (const agent of agents) {
      const conversation = await createConversation(t.app, admin, agent, { title: 'Cut off' });
      const response = await send(conversation.id, 'Tell me everything');
      expect(response.statusCode, agent).toBe(502);
      expect(response.json<{ detail: string }>().detail).toMatch(/broke off its reply before finishing it/);
      const [user, assistant] = await history(conversation.id);
      expect(user).toMatchObject({ content: 'Tell me everything' });
      expect(assistant, agent).toMatchObject({ status: 'error', content: 'Half a', finishReason: 'error' });
    }
    anthropic.respondWith({});
  });

  it('answers a retry with the same Idempotency-Key and body from the first result, with one model call', async () => {
    openai.respondWith({ replyTokens: ['Once', ' only'], tokenDelayMs: 30 });
    const conversation = await titled();
    const before = completionRequests().length;
    const headers = { 'idempotency-key': `key-${conversation.id}` };
    // Two at once (a double-click), then one more after both finished.
    const [first, concurrent] = await Promise.all([
      send(conversation.id, 'Same', headers),
      send(conversation.id, 'Same', headers),
    ]);
    const later = await send(conversation.id, 'Same', headers);
    for (const response of [first, concurrent, later]) expect(response.statusCode).toBe(201);
    const ids = [first, concurrent, later].map((response) => response.json().assistantMessage.id);
    expect(new Set(ids).size).toBe(1);
    expect(later.json()).toEqual(first.json());
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(completionRequests().length - before).toBe(1);
    expect(await history(conversation.id)).toHaveLength(2);

    const streamed = uiMessageParts(
      (await send(conversation.id, 'Same', { ...headers, accept: 'text/event-stream' })).body,
    );
    expect(streamed.parts[0]).toMatchObject({
      type: 'start',
      messageId: ids[0],
      messageMetadata: { model: 'openai:gpt-4o-mini' },
    });
    expect(
      streamed.parts
        .filter((part) => part.type === 'text-delta')
        .map((part) => part.delta)
        .join(''),
    ).toBe('Once only');

    const reused = await send(conversation.id, 'Different', headers);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('idempotency_key_reused');
    expect(completionRequests().length - before).toBe(1);
  });

  it('asks the model for a title after the first exchange of an untitled conversation', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    const before = completionRequests().length;
    expect((await send(conversation.id, 'Tell me about the sea')).statusCode).toBe(201);
    const title = await eventually(async () => {
      const current = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}`,
        headers: admin.headers,
      });
      return (current.json().title as string | null) ?? undefined;
    });
    expect(title).toBe('Hello from the fake model');
    const titleRequest = completionRequests()[before + 1]!.body as {
      stream?: boolean;
      messages: { content: string }[];
    };
    expect(titleRequest.stream).toBeFalsy();
    expect(JSON.stringify(titleRequest.messages)).toContain('Tell me about the sea');
  });

  it("chats through a tenant's own Anthropic provider", async () => {
    const provider = await addClaude('claude', 'sk-ant-tenant-key');
    expect(provider.statusCode).toBe(201);
    const agent = await createAgent(t.app, admin, {
      name: 'Claude',
      model: 'claude:claude-haiku-4-5',
      instructions: 'Be kind.',
    });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Claude' });
    const response = await send(conversation.id, 'Hi Claude');
    expect(response.statusCode).toBe(201);
    expect(response.json().assistantMessage).toMatchObject({
      content: 'Hello from the fake Claude.',
      model: 'claude:claude-haiku-4-5',
      status: 'complete',
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
    });
    const request = anthropic.requests.at(-1)!;
    expect(request.headers['x-api-key']).toBe('sk-ant-tenant-key');
    expect(request.body).toMatchObject({ system: [{ type: 'text', text: 'Be kind.' }] });
  });

  it("uses a tenant provider's new key on the very next turn after an admin changes it", async () => {
    const provider = await addClaude('rotating', 'sk-ant-first');
    const agent = await createAgent(t.app, admin, { name: 'Rotating', model: 'rotating:claude-haiku-4-5' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Rotation' });
    expect((await send(conversation.id, 'Before')).statusCode).toBe(201);
    expect(anthropic.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-first');

    const changed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/providers/${provider.json().id}`,
      headers: admin.headers,
      payload: { apiKey: 'sk-ant-second' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await send(conversation.id, 'After')).statusCode).toBe(201);
    expect(anthropic.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-second');

    await t.app.inject({ method: 'DELETE', url: `/v1/providers/${provider.json().id}`, headers: admin.headers });
    const gone = await send(conversation.id, 'Deleted');
    expect(gone.statusCode).toBe(400);
    expect(gone.json().detail).toContain("provider 'rotating', which is not configured");
  });

  it('counts turns, tokens and time to first token in the metrics', async () => {
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/parley_chat_turns_total\{outcome="complete"\} [1-9]/);
    expect(metrics).toMatch(/parley_chat_turns_total\{outcome="error"\} [1-9]/);
    expect(metrics).toMatch(/parley_model_tokens_total\{provider="openai",model="gpt-4o-mini",kind="output"\} [1-9]/);
    expect(metrics).toMatch(
      /parley_model_time_to_first_token_seconds_count\{provider="openai",model="gpt-4o-mini"\} [1-9]/,
    );
    expect(metrics).toMatch(/parley_chat_streams_in_flight 0/);
  });

  it('labels a model the server does not offer as other, so no agent can add series or show its name', async () => {
    const madeUp = await createAgent(t.app, admin, { name: 'Made up', model: 'openai:made-up-model-541327293' });
    const conversation = await createConversation(t.app, admin, madeUp.id, { title: 'Made up' });
    expect((await send(conversation.id, 'Hi')).statusCode).toBe(201);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/parley_model_tokens_total\{provider="openai",model="other",kind="output"\} [1-9]/);
    expect(metrics).not.toContain('made-up-model');
  });

  it("labels a tenant's own provider on /metrics by its kind only, never by its names", async () => {
    // The tenant's 'claude' and 'rotating' providers above answered turns; /metrics is readable by
    // anyone who reaches the server, so their names and model ids must not show there.
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(
      /parley_model_tokens_total\{provider="tenant:anthropic",model="tenant",kind="output"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /parley_model_time_to_first_token_seconds_count\{provider="tenant:anthropic",model="tenant"\} [1-9]/,
    );
    for (const tenantChosen of ['provider="claude"', 'provider="rotating"', 'claude-haiku-4-5']) {
      expect(metrics).not.toContain(tenantChosen);
    }
  });
});
