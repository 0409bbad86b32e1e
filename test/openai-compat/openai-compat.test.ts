import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { captureLogs } from '../harness/log-capture.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../knowledge/fake-embeddings-server.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('OpenAI-compatible API, through the official openai client', () => {
  const logs = captureLogs();
  let fake: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;
  let platformAdmin: SignedInUser;
  let gpt: { id: string; name: string };
  let offline: { id: string; name: string };
  let address: string;

  const clientFor = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${address}/v1`, maxRetries: 0 });
  const bearer = (user: SignedInUser) => user.accessToken;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer();
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: 'sk-server-key',
        // A stalled stream is cut off by the stall timer; the whole-reply deadline stays far above what a
        // loaded CI takes for a short reply (1 s here once turned a slow, honest reply into a 504).
        MODEL_STALL_TIMEOUT_MS: '2000',
        LOG_LEVEL: 'warn',
      },
      { logDestination: logs.destination },
    );
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    member = await createUser(t.app, admin);
    gpt = await createAgent(t.app, admin, {
      name: 'Pirate GPT',
      model: 'openai:gpt-4o-mini',
      instructions: 'Talk like a pirate.',
    });
    offline = await createAgent(t.app, admin, { name: 'Offline', model: 'offline' });
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.respondWith({}));

  it("lists the agents the caller can use as models, and no other tenant's", async () => {
    const privateAgent = await createAgent(t.app, member, { name: 'Mine' });
    const models = [];
    for await (const model of clientFor(bearer(member)).models.list()) models.push(model);
    expect(models.map((model) => model.id)).toEqual(expect.arrayContaining([gpt.id, offline.id, privateAgent.id]));
    expect(models.find((model) => model.id === gpt.id)).toMatchObject({
      object: 'model',
      owned_by: 'parley',
      name: 'Pirate GPT',
    });

    const others = [];
    for await (const model of clientFor(bearer(otherAdmin)).models.list()) others.push(model.id);
    expect(others).not.toContain(gpt.id);
    const adminModels = [];
    for await (const model of clientFor(bearer(admin)).models.list()) adminModels.push(model.id);
    expect(adminModels).not.toContain(privateAgent.id);
  });

  it("answers a non-streamed completion with the agent's model and instructions, storing nothing", async () => {
    const conversationsBefore = (
      await t.app.inject({ method: 'GET', url: '/v1/conversations', headers: member.headers })
    ).json().items.length;
    const completion = await clientFor(bearer(member)).chat.completions.create({
      model: gpt.id,
      messages: [
        { role: 'system', content: 'Keep it short.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Ahoy' },
        { role: 'user', content: [{ type: 'text', text: 'How are you?' }] },
      ],
      temperature: 0.5,
    });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: gpt.id,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello from the fake model.' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: 5, total_tokens: expect.any(Number) },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(fake.lastRequest().body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.5,
      messages: [
        { role: 'system', content: 'Talk like a pirate.\n\nKeep it short.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Ahoy' },
        { role: 'user', content: 'How are you?' },
      ],
    });
    const conversationsAfter = (
      await t.app.inject({ method: 'GET', url: '/v1/conversations', headers: member.headers })
    ).json().items.length;
    expect(conversationsAfter).toBe(conversationsBefore);
  });

  it('streams a completion chunk by chunk, with usage when asked, and accepts the agent name as the model', async () => {
    fake.respondWith({ replyTokens: ['Yo', ' ho', ' ho'], tokenDelayMs: 10 });
    const stream = await clientFor(bearer(member)).chat.completions.create({
      model: 'Pirate GPT',
      messages: [{ role: 'user', content: 'Sing' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    const finishReasons: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'Pirate GPT' });
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice) finishReasons.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['Yo', ' ho', ' ho']);
    expect(finishReasons.at(-1)).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 3, total_tokens: expect.any(Number) });
  });

  it('works with an API key and with the offline model', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: member.headers,
      payload: { name: 'SDK' },
    });
    expect(created.statusCode).toBe(201);
    const completion = await clientFor(created.json().key as string).chat.completions.create({
      model: offline.id,
      messages: [{ role: 'user', content: 'Anyone there?' }],
    });
    expect(completion.choices[0]?.message.content).toContain('this agent uses the built-in offline model');
  });

  it("answers errors in OpenAI's shape, so the client raises its usual exceptions", async () => {
    const client = clientFor(bearer(member));
    const unknown = await client.chat.completions
      .create({ model: 'no-such-agent', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: null,
    });

    const foreign = await clientFor(bearer(otherAdmin))
      .chat.completions.create({ model: gpt.id, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(foreign).toBeInstanceOf(OpenAI.NotFoundError);

    const anonymous = await clientFor('not-a-token')
      .models.list()
      .catch((error: unknown) => error);
    expect(anonymous).toBeInstanceOf(OpenAI.AuthenticationError);

    const tool = await client.chat.completions
      .create({
        model: gpt.id,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'a', content: 'y' },
        ],
      })
      .catch((error: unknown) => error);
    expect(tool).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tool as Error).message).toContain('tool messages are not supported');

    const invalid = await client.chat.completions
      .create({ model: gpt.id, messages: [] })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');

    const raw = await fetch(`${address}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer(member)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(await raw.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'validation_failed', message: expect.any(String) },
    });
  });

  it('reports a model failure before the first token as an error status, and after it as a stream error', async () => {
    const client = clientFor(bearer(member));
    fake.respondWith({ error: { status: 500 } });
    const failed = await client.chat.completions
      .create({ model: gpt.id, messages: [{ role: 'user', content: 'x' }], stream: true })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);

    fake.respondWith({ replyTokens: ['Partial', ' reply', ' lost'], stallAfterTokens: 1 });
    const stream = await client.chat.completions.create({
      model: gpt.id,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const deltas: string[] = [];
    const iterate = async () => {
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
    };
    const midStream = await iterate().catch((error: unknown) => error);
    expect(midStream).toBeInstanceOf(OpenAI.APIError);
    expect((midStream as Error).message).toContain('sent nothing for 2 seconds');
    expect(deltas).toEqual(['Partial']);
  });

  it('reports a reply the provider broke off as an error, not as finish_reason "stop"', async () => {
    const client = clientFor(bearer(member));
    fake.respondWith({ replyTokens: ['Cut', ' short', ' here'], endAfterTokens: 2 });
    const whole = await client.chat.completions
      .create({ model: gpt.id, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(whole).toBeInstanceOf(OpenAI.APIError);
    expect((whole as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((whole as Error).message).toContain('broke off its reply before finishing it');

    const stream = await client.chat.completions.create({
      model: gpt.id,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const deltas: string[] = [];
    const finishReasons: unknown[] = [];
    const iterate = async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
        if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      }
    };
    const midStream = await iterate().catch((error: unknown) => error);
    expect(midStream).toBeInstanceOf(OpenAI.APIError);
    expect((midStream as Error).message).toContain('broke off its reply before finishing it');
    expect(deltas).toEqual(['Cut', ' short']);
    expect(finishReasons).toEqual([]);
  });

  it("passes the settings that shape the reply to the agent's model, and ignores those that only describe the caller", async () => {
    const answerFormat = {
      type: 'json_schema' as const,
      json_schema: { name: 'answer', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
    };
    const shaping = {
      top_p: 0.9,
      stop: ['END', 'STOP'],
      seed: 42,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      response_format: answerFormat,
    };
    await clientFor(bearer(member)).chat.completions.create({
      model: gpt.id,
      messages: [{ role: 'user', content: 'Answer in JSON' }],
      ...shaping,
      user: 'end-user-7',
      metadata: { source: 'test' },
      store: false,
    });
    const sent = fake.lastRequest().body as Record<string, unknown>;
    expect(sent).toMatchObject(shaping);
    expect(sent).not.toHaveProperty('user');
    expect(sent).not.toHaveProperty('metadata');
  });

  it.each([
    ['logprobs', { logprobs: true }, 'log probabilities are not available'],
    ['reasoning_effort', { reasoning_effort: 'high' }, 'leave reasoning_effort out'],
    ['tool_choice', { tool_choice: 'required' }, 'tools are not supported'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'token biases are not supported'],
    ['response_format.type', { response_format: { type: 'yaml' } }, 'response_format.type: '],
    [
      'messages.0.tool_calls',
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] }] },
      'tool calls are not supported',
    ],
    ['messages.0.content', { messages: [{ role: 'user', content: null }] }, 'is required for this role'],
    ['messages.0.content', { messages: [{ role: 'user', content: 5 }] }, 'must be text or a list of content parts'],
    ['stop', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'at most 4 stop sequences'],
    [
      'response_format.json_schema.schema',
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: [1, 2] } } },
      'must be a JSON Schema object',
    ],
    ['stream_options', { stream_options: { include_usage: true } }, 'only allowed when stream is true'],
  ])('refuses %s, which no agent here can honour or read, naming the field', async (param, fields, sentence) => {
    const requestsBefore = fake.requests.length;
    const refused = await clientFor(bearer(member))
      .chat.completions.create({
        model: gpt.id,
        messages: [{ role: 'user', content: 'x' }],
        ...fields,
      } as unknown as Parameters<OpenAI['chat']['completions']['create']>[0])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    expect((refused as Error).message).toContain(sentence);
    expect(fake.requests.length).toBe(requestsBefore);
  });

  it('refuses tools of any shape in one sentence, and takes an empty list as none', async () => {
    const create = (tools: unknown) =>
      clientFor(bearer(member))
        .chat.completions.create({
          model: gpt.id,
          messages: [{ role: 'user', content: 'x' }],
          tools,
        } as unknown as Parameters<OpenAI['chat']['completions']['create']>[0])
        .catch((error: unknown) => error);
    const refused = await create('yes');
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      message: 'The request is invalid — tools: tools are not supported on this endpoint',
      param: 'tools',
    });
    expect(await create([])).toMatchObject({ object: 'chat.completion' });
  });

  it('retrieves one model by id or name, and answers an unknown one as OpenAI does', async () => {
    const client = clientFor(bearer(member));
    expect(await client.models.retrieve(gpt.id)).toMatchObject({ id: gpt.id, object: 'model', name: 'Pirate GPT' });
    expect((await client.models.retrieve('Pirate GPT')).id).toBe(gpt.id);
    const unknown = await client.models.retrieve('no-such-agent').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('finds an agent by name past the 500 newest that GET /v1/models lists, and refuses a name two agents share', async () => {
    const crowded = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant with many agents');
    const oldest = await createAgent(t.app, crowded, { name: 'The first one', model: 'offline' });
    await createAgent(t.app, crowded, { name: 'Twin', model: 'offline' });
    await createAgent(t.app, crowded, { name: 'Twin', model: 'offline' });
    for (let index = 0; index < 500; index += 1) await createAgent(t.app, crowded, { name: `Agent ${index}` });
    const client = clientFor(bearer(crowded));
    const listed = [];
    for await (const model of client.models.list()) listed.push(model.id);
    expect(listed).toHaveLength(500);
    expect(listed).not.toContain(oldest.id);

    expect((await client.models.retrieve('The first one')).id).toBe(oldest.id);
    const completion = await client.chat.completions.create({
      model: 'The first one',
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    const twins = await client.models.retrieve('Twin').catch((error: unknown) => error);
    expect(twins).toBeInstanceOf(OpenAI.BadRequestError);
    expect((twins as Error).message).toContain("More than one agent is named 'Twin'");
  });

  it('answers a request the provider refuses as it is with a 4xx, which the client does not retry', async () => {
    fake.respondWith({ error: { status: 400 } });
    const refused = await clientFor(bearer(member))
      .chat.completions.create({ model: gpt.id, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect((refused as Error).message).toContain('rejected the request (400)');
  });

  it("logs a failed model reply as a chat turn's is, before the first token and after it, with the provider's words", async () => {
    const failures = () => logs.entries().filter((entry) => entry.msg?.startsWith('model reply failed'));
    const before = failures().length;
    const client = clientFor(bearer(member));
    fake.respondWith({ error: { status: 400, message: "This model's maximum context length is 8192 tokens" } });
    await client.chat.completions
      .create({ model: gpt.id, messages: [{ role: 'user', content: 'x' }] })
      .catch(() => null);
    fake.respondWith({ replyTokens: ['Cut', ' short', ' here'], endAfterTokens: 2 });
    const stream = await client.chat.completions.create({
      model: gpt.id,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    await (async () => {
      for await (const chunk of stream) void chunk;
    })().catch(() => null);

    const [refused, brokenOff] = failures().slice(before);
    const context = {
      level: 40,
      tenantId: member.tenantId,
      userId: member.userId,
      agentId: gpt.id,
      provider: 'openai',
    };
    expect(refused).toMatchObject({
      ...context,
      code: 'model_rejected',
      providerSaid: "This model's maximum context length is 8192 tokens",
    });
    expect(brokenOff).toMatchObject({ ...context, code: 'model_error' });
    expect(brokenOff!.msg).toContain('broke off its reply before finishing it');
  });

  it('leaves usage out when the provider reported none, rather than saying zero', async () => {
    fake.respondWith({ omitsUsage: true });
    const client = clientFor(bearer(member));
    const completion = await client.chat.completions.create({
      model: gpt.id,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from the fake model.');
    expect(completion.usage).toBeUndefined();
    const chunks = [];
    const stream = await client.chat.completions.create({
      model: gpt.id,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: null });
  });
});

describe('a caller of the OpenAI-compatible API that hangs up', () => {
  const logs = captureLogs();
  let t: TestApp;
  let fake: FakeOpenAIServer;
  let address: string;
  let user: SignedInUser;
  let agentId: string;
  let embeddings: FakeEmbeddingsServer;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ stallAfterTokens: 1 });
    embeddings = await startFakeEmbeddingsServer();
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: 'sk-server-key',
        OPENAI_COMPATIBLE_BASE_URL: embeddings.baseUrl,
        OPENAI_COMPATIBLE_NAME: 'embedhost',
        LOG_LEVEL: 'info',
      },
      { logDestination: logs.destination },
    );
    user = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, user, { name: 'Slow', model: 'openai:gpt-4o-mini' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    await embeddings.close();
  });

  it.each([false, true])("ends the search of its agent's sources, calling no model (streamed: %s)", async (stream) => {
    const source = await createSource(t.app, user, { embeddingModel: 'embedhost:embed-small' });
    const document = await uploadAccepted(t.app, user, source.id, Buffer.from('Little to say.'), {
      filename: 'notes.txt',
    });
    expect((await waitForDocument(t.app, user, source.id, document.id)).status).toBe('ready');
    const librarian = await createAgent(t.app, user, { model: 'openai:gpt-4o-mini', knowledgeSourceIds: [source.id] });
    // The question's embedding is held, as by a slow provider, until the test ends.
    const search = embeddings.hold();
    try {
      const completionsBefore = fake.requests.length;
      const logsBefore = logs.entries().length;
      const hangUp = new AbortController();
      const request = fetch(`${address}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: librarian.id, stream, messages: [{ role: 'user', content: 'Anything?' }] }),
        signal: hangUp.signal,
      }).catch((error: unknown) => error);
      await search.reached;

      hangUp.abort();
      await request;

      const left = await eventually(async () =>
        logs
          .entries()
          .slice(logsBefore)
          .find((entry) => entry.msg === 'caller left before the answer was written'),
      );
      expect(left.level).toBe(30);
      expect(fake.requests.length).toBe(completionsBefore);
    } finally {
      search.release();
    }
  });

  it('cancels its model call and is logged as the caller leaving, not as a server error', async () => {
    const hangUp = new AbortController();
    const request = fetch(`${address}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: agentId, messages: [{ role: 'user', content: 'Take your time' }] }),
      signal: hangUp.signal,
    }).catch((error: unknown) => error);
    await eventually(async () => (fake.openExchangeCount() === 1 ? true : undefined));

    hangUp.abort();
    await request;

    await eventually(async () => (fake.openExchangeCount() === 0 ? true : undefined));
    const left = await eventually(async () =>
      logs.entries().find((entry) => entry.msg === 'caller left before the answer was written'),
    );
    expect(left.level).toBe(30);
    expect(logs.entries().filter((entry) => entry.level >= 50)).toEqual([]);
    expect(logs.entries().filter((entry) => entry.msg?.startsWith('model reply failed'))).toEqual([]);
  });
});
