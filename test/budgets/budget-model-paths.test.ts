import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { supportConversations } from '../../src/platform/db/schema/index.js';
import { contentText, countWords } from '../fakes/fake-http-server.js';
import { countTextTokens } from '../../src/ai/call-tokens.js';
import { defaultOpenAIReplyTokens, startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { captureLogs } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { answerTo, openSocket } from '../realtime/realtime-client.js';
import {
  expectTokenBudgetSentence,
  leaveOneToken,
  readBudget,
  setBudget,
  useUpTokens,
  waitForModelCalls,
} from './budget-setup.js';

interface Turn {
  userMessage: { id: string };
  assistantMessage: { id: string; status: string; content: string; usage: { totalTokens: number | null } | null };
}

/**
 * Budgets on every path that calls a model, on the real app with the fake OpenAI server (whose token
 * counts are the provider's usage) and the offline model: each path is allowed below the budget and
 * refused with the budget's sentence once it is used up. Each test has a tenant of its own.
 */
describe('budgets on every model path', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let platformAdmin: SignedInUser;
  let address: string;
  const logs = captureLogs();

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-budgets-test', LOG_LEVEL: 'info' },
      { logDestination: logs.destination },
    );
    platformAdmin = await registerPlatformAdmin(t.app);
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai.close();
  }, 120_000);
  beforeEach(() => openai.respondWith({}));

  let tenantCount = 0;
  const newTenant = () => createTenantWithAdmin(t.app, platformAdmin, `Budget tenant ${++tenantCount}`);
  const send = (user: SignedInUser, conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
  const sent = async (user: SignedInUser, conversationId: string, content: string): Promise<Turn> => {
    const response = await send(user, conversationId, content);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  const messageCount = async (user: SignedInUser, conversationId: string): Promise<number> => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: user.headers,
    });
    return response.json<{ items: unknown[] }>().items.length;
  };
  const createApiKey = async (user: SignedInUser): Promise<string> => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.headers,
      payload: { name: 'Budget client' },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ key: string }>().key;
  };

  it('chat over HTTP: counts the provider’s tokens, then answers 429 naming the budget, its reset and who can raise it', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id);
    await setBudget(t.app, admin, { monthlyTokens: 1_000_000 });
    const first = openai.requests.length;
    const turn = await sent(admin, conversation.id, 'What is the capital of Norway?');
    expect(turn.assistantMessage.usage!.totalTokens).toBeGreaterThan(5);
    // The reply and the title written after the first exchange, each as the provider reported it: the
    // fake counts the words of the messages it was sent, plus its five reply tokens.
    const { usage } = await waitForModelCalls(t.app, admin, 2);
    const sentToProvider = openai.requests.slice(first);
    expect(sentToProvider).toHaveLength(2);
    const reported = sentToProvider.map((request) => {
      const body = request.body as { messages: { content: unknown }[] };
      return body.messages.reduce((sum, message) => sum + countWords(contentText(message.content)), 0) + 5;
    });
    expect(usage.totalTokens).toBe(reported[0]! + reported[1]!);
    expect(usage.outputTokens).toBe(10);

    await useUpTokens(t.app, admin);
    const before = openai.requests.length;
    const stored = await messageCount(admin, conversation.id);
    const refused = await send(admin, conversation.id, 'And of Sweden?');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const problem = refused.json<{ code: string; detail: string; budget: string; resetsAt: string }>();
    expect(problem).toMatchObject({ code: 'rate_limited', budget: 'monthly_tokens' });
    expectTokenBudgetSentence(problem.detail);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Refused before anything was stored or sent.
    expect(await messageCount(admin, conversation.id)).toBe(stored);
    expect(openai.requests.length).toBe(before);
  });

  it('a provider that reports no usage: each call is charged Parley’s own count of its prompt and answer', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
    await setBudget(t.app, admin, { monthlyTokens: 1_000_000 });
    openai.respondWith({ omitsUsage: true });
    await sent(admin, conversation.id, 'What is the capital of Norway?');
    const { usage } = await waitForModelCalls(t.app, admin, 1);
    expect(usage.outputTokens).toBe(await countTextTokens(defaultOpenAIReplyTokens.join('')));
    expect(usage.inputTokens).toBeGreaterThanOrEqual(await countTextTokens('What is the capital of Norway?'));
  });

  it('a reply stopped mid-stream is charged its prompt and what it wrote', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
    await setBudget(t.app, admin, { monthlyTokens: 1_000_000 });
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const turn = send(admin, conversation.id, 'Tell me a long story');
    const replyId = await eventually(async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
      });
      const items = response.json<{ items: { id: string; status: string; content: string }[] }>().items;
      return items.find((message) => message.status === 'streaming')?.id;
    });
    // The provider sends two tokens, then stalls with the exchange open: what the reply wrote is settled.
    await eventually(async () => openai.openExchangeCount() === 1 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${replyId}/stop`,
      headers: admin.headers,
    });
    expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped', content: 'Hello from' });
    await turn;
    const { usage } = await waitForModelCalls(t.app, admin, 1);
    expect(usage.outputTokens).toBe(await countTextTokens('Hello from'));
    expect(usage.inputTokens).toBeGreaterThanOrEqual(await countTextTokens('Tell me a long story'));
  });

  it('retry of a failed reply: refused once the budget is used up', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id);
    await sent(admin, conversation.id, 'First question');
    await waitForModelCalls(t.app, admin, 2);
    openai.respondWith({ error: { status: 500, message: 'down' } });
    const failed = await send(admin, conversation.id, 'Second question');
    expect(failed.statusCode).toBe(502);
    const failedId = failed.json<{ assistantMessageId: string }>().assistantMessageId;
    openai.respondWith({});
    await useUpTokens(t.app, admin);
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${failedId}/retry`,
      headers: { ...admin.headers, accept: 'application/json' },
    });
    expect(retried.statusCode, retried.body).toBe(429);
    expectTokenBudgetSentence(retried.json().detail);
    // Raised, the same retry goes through.
    await setBudget(t.app, admin, { monthlyTokens: 1_000_000 });
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${failedId}/retry`,
      headers: { ...admin.headers, accept: 'application/json' },
    });
    expect(again.statusCode, again.body).toBe(200);
  });

  it('the socket: a send frame gets an error frame with the same sentence', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'offline' });
    const conversation = await createConversation(t.app, admin, agent.id);
    await sent(admin, conversation.id, 'Hello there');
    await useUpTokens(t.app, admin);
    const socket = await openSocket(address, { headers: admin.headers });
    try {
      socket.send({
        type: 'send',
        id: 'b1',
        conversationId: conversation.id,
        content: 'Again',
        clientMessageId: 'b-1',
      });
      const frame = await answerTo(socket, 'b1');
      expect(frame).toMatchObject({ type: 'error', code: 'rate_limited' });
      expectTokenBudgetSentence(String(frame.message));
    } finally {
      await socket.close();
    }
  });

  it('the tool loop: a step that crosses the budget finishes, and the next step is refused', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, {
      model: 'openai:gpt-4o-mini',
      toolKeys: ['builtin:current_time'],
    });
    const conversation = await createConversation(t.app, admin, agent.id);
    await sent(admin, conversation.id, 'Warm up');
    await waitForModelCalls(t.app, admin, 2);
    await leaveOneToken(t.app, admin);
    openai.respondWith({
      script: [{ toolCalls: [{ id: 'call_time', name: 'current_time', arguments: '{}' }] }, {}],
    });
    const before = openai.requests.length;
    const refused = await send(admin, conversation.id, 'What time is it?');
    // The first step was admitted and ran; the second was refused before it reached the provider.
    expect(openai.requests.length - before).toBe(1);
    expect(refused.statusCode, refused.body).toBe(429);
    const problem = refused.json<{ detail: string; assistantMessageId: string }>();
    expectTokenBudgetSentence(problem.detail);
    const stored = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
    });
    const reply = stored
      .json<{ items: { id: string; status: string; error: { message: string } | null }[] }>()
      .items.find((message) => message.id === problem.assistantMessageId);
    expect(reply?.status).toBe('error');
    expectTokenBudgetSentence(reply!.error!.message);
  });

  it('titles: a conversation’s title call after the crossing turn is refused, and the title falls back', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' });
    const warmUp = await createConversation(t.app, admin, agent.id);
    await sent(admin, warmUp.id, 'Warm up');
    await waitForModelCalls(t.app, admin, 2);
    await leaveOneToken(t.app, admin);
    const conversation = await createConversation(t.app, admin, agent.id);
    const before = openai.requests.length;
    await sent(admin, conversation.id, 'Plan a trip to Bergen in June');
    const title = await eventually(async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}`,
        headers: admin.headers,
      });
      return response.json<{ title: string | null }>().title ?? undefined;
    });
    expect(title).toContain('Bergen');
    expect(openai.requests.length - before).toBe(1);
  });

  it('the OpenAI-compatible API: 200 below the budget, then its own 429 error with the sentence', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { name: 'compat-agent', model: 'openai:gpt-4o-mini' });
    const key = await createApiKey(admin);
    const complete = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}` },
        payload: { model: agent.id, messages: [{ role: 'user', content: 'Hi there' }] },
      });
    await setBudget(t.app, admin, { monthlyTokens: 1_000_000 });
    const allowed = await complete();
    expect(allowed.statusCode, allowed.body).toBe(200);
    const { usage } = await readBudget(t.app, admin);
    expect(usage.totalTokens).toBe(allowed.json<{ usage: { total_tokens: number } }>().usage.total_tokens);
    await useUpTokens(t.app, admin);
    const refused = await complete();
    expect(refused.statusCode).toBe(429);
    const body = refused.json<{ error: { type: string; message: string } }>();
    expect(body.error.type).toBe('rate_limit_error');
    expectTokenBudgetSentence(body.error.message);
  });

  it('/mcp ask_agent: answers isError with the sentence', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, { model: 'offline' });
    const key = await createApiKey(admin);
    const client = new Client({ name: 'budget-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', address), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const ask = async () =>
        (await client.callTool({
          name: 'ask_agent',
          arguments: { agentId: agent.id, message: 'What is new?' },
        })) as CallToolResult;
      const allowed = await ask();
      expect(allowed.isError).toBeFalsy();
      await useUpTokens(t.app, admin);
      const refused = await ask();
      expect(refused.isError).toBe(true);
      expectTokenBudgetSentence(refused.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n'));
    } finally {
      await client.close();
    }
  });

  it('companion jobs (summary, memory): refused once, ended without a retry, logged once', async () => {
    const admin = await newTenant();
    const agent = await createAgent(t.app, admin, {
      model: 'offline',
      companion: { summaryEveryTurns: 2, memory: true, utilityModel: 'offline' },
    });
    const conversation = await createConversation(t.app, admin, agent.id);
    const first = await sent(admin, conversation.id, 'My name is Ada.');
    // The first message's memory is read before the budget is cut: otherwise its job, run late on a
    // loaded machine, could take the crossing message too while a token was left, and nothing is refused.
    await eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select 1 from pgboss.job where name = 'companion.remember' and data->>'messageId' = $1 and state = 'completed'`,
        [first.userMessage.id],
      );
      return rows.length === 1 ? true : undefined;
    }, 30_000);
    await leaveOneToken(t.app, admin);
    // Admitted, crosses the budget; the summary (2 turns) and memory jobs it queues are then refused.
    const crossing = await sent(admin, conversation.id, 'I live in Oslo.');
    const jobs = await eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select id, name, state, retry_count from pgboss.job
          where (name = 'companion.summarize' and data->>'conversationId' = $1)
             or (name = 'companion.remember' and data->>'messageId' = $2)`,
        [conversation.id, crossing.userMessage.id],
      );
      const states = rows as { id: string; name: string; state: string; retry_count: number }[];
      return states.length === 2 && states.every((job) => job.state === 'completed') ? states : undefined;
    }, 30_000);
    expect(jobs.map((job) => job.retry_count)).toEqual([0, 0]);
    const summaries = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/summaries`,
      headers: admin.headers,
    });
    expect(summaries.json<{ items: unknown[] }>().items).toHaveLength(0);
    // Each refusal logged once, by the job that met it: the summary job's own; the crossing message's
    // memory is refused once, by its own job or by the first turn's, which reads the conversation's
    // messages from its mark and holds their lease meanwhile (a job that finds it held leaves them to it).
    const ended = logs
      .entries()
      .filter(
        (entry) => entry.msg?.startsWith('Job ended without a retry') && entry.msg.includes('monthly token budget'),
      );
    const summaryJob = jobs.find((job) => job.name === 'companion.summarize')!;
    expect(ended.filter((entry) => entry.jobId === summaryJob.id)).toHaveLength(1);
    const { rows: memoryJobs } = await t.database.executeSql(
      `select id from pgboss.job where name = 'companion.remember' and data->>'messageId' = any($1)`,
      [[first.userMessage.id, crossing.userMessage.id]],
    );
    const memoryRefusals = ended.filter((entry) =>
      (memoryJobs as { id: string }[]).some((job) => job.id === entry.jobId),
    );
    expect(memoryRefusals.length).toBeGreaterThanOrEqual(1);
    expect(new Set(memoryRefusals.map((entry) => entry.jobId)).size).toBe(memoryRefusals.length);
  });

  it('the support desk’s reply suggestion: refused with the sentence', async () => {
    const admin = await newTenant();
    const operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, { name: 'Front desk', model: 'openai:gpt-4o-mini' });
    const post = async (url: string, payload: object) => {
      const response = await t.app.inject({ method: 'POST', url, headers: admin.headers, payload });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ id: string }>();
    };
    const inbox = await post('/v1/inboxes', { name: 'Website', agentId: agent.id });
    const contact = await post('/v1/contacts', { name: 'Ada Visitor' });
    const support = await post('/v1/support-conversations', { inboxId: inbox.id, contactId: contact.id });
    const chat = await createConversation(t.app, admin, agent.id);
    await t.database.db
      .update(supportConversations)
      .set({ conversationId: chat.id })
      .where(eq(supportConversations.id, support.id));
    await sent(admin, chat.id, 'Do you ship to Norway?');
    const suggest = () =>
      t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${support.id}/reply-suggestion`,
        headers: operator.headers,
      });
    await setBudget(t.app, admin, { monthlyTokens: 1_000_000 });
    expect((await suggest()).statusCode).not.toBe(429);
    await useUpTokens(t.app, admin);
    const refused = await suggest();
    expect(refused.statusCode).toBe(429);
    expectTokenBudgetSentence(refused.json().detail);
  });
});
