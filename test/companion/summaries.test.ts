import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropicServer, type FakeAnthropicServer } from '../fakes/fake-anthropic-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { bringAnyRetryForward, bringRetryForward } from '../harness/job-retries.js';

interface Summary {
  id: string;
  content: string;
  firstMessageId: string;
  lastMessageId: string;
  userTurns: number;
  model: string;
}

/**
 * Conversation summaries (docs/companion.md) on the real app and its real job queue: written by the
 * offline model every N user turns, covering the previous summary and every message since, given to a
 * model whose history was cut, and never written from a failed model call.
 */
describe('conversation summaries', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let anthropic: FakeAnthropicServer;
  let admin: SignedInUser;
  let member: SignedInUser;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    anthropic = await startFakeAnthropicServer({ error: { status: 500, message: 'The summariser is down' } });
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_API_KEY: 'sk-summaries-test',
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
        ANTHROPIC_API_KEY: 'sk-ant-summaries-test',
      },
      { chat: { historyLimit: 6 } },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    member = await createUser(t.app, admin);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
    await anthropic.close();
  }, 120_000);

  const send = async (conversationId: string, content: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...member.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ userMessage: { id: string }; assistantMessage: { id: string } }>();
  };
  const summaries = async (conversationId: string, user = member): Promise<Summary[]> => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversationId}/summaries`,
      headers: user.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ items: Summary[] }>().items;
  };
  const summariesCount = (conversationId: string, count: number) =>
    eventually(async () => {
      const items = await summaries(conversationId);
      return items.length >= count ? items : undefined;
    }, 30_000);
  const jobStates = async (conversationId: string) => {
    const { rows } = await t.database.executeSql(
      `select state, retry_count from pgboss.job where name = 'companion.summarize' and data->>'conversationId' = $1`,
      [conversationId],
    );
    return rows as { state: string; retry_count: number }[];
  };

  it('gives new agents summaries every 10 turns and read receipts, the rest off', async () => {
    const agent = await createAgent(t.app, admin, { name: 'Defaults', model: 'offline' });
    const response = await t.app.inject({ method: 'GET', url: `/v1/agents/${agent.id}`, headers: admin.headers });
    expect(response.json().companion).toEqual({
      readReceipts: true,
      summaries: true,
      summaryEveryTurns: 10,
      memory: false,
      splitReplies: false,
      splitMaxBubbles: 4,
      typingMsPerChar: 25,
      typingMaxPauseMs: 2500,
      personalitySuggestions: false,
      suggestionAfterTurns: 20,
      autoApplyMinConfidence: null,
      proactive: false,
      proactiveIdleMinutes: 1440,
      proactiveMaxUnanswered: 1,
      utilityModel: null,
    });
    const refused = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agent.id}`,
      headers: admin.headers,
      payload: { companion: { summaryEveryTurns: 1 } },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('summaryEveryTurns');
  });

  it('summarises every N user turns, each summary covering the previous one and every message since', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Summariser',
      model: 'offline',
      companion: { summaryEveryTurns: 2 },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    const first = await send(conversation.id, 'Alpha is my project name. It ships in May.');
    // One turn is not enough.
    const second = await send(conversation.id, 'Bravo is the team lead.');
    const [one] = await summariesCount(conversation.id, 1);
    expect(one).toMatchObject({
      firstMessageId: first.userMessage.id,
      lastMessageId: second.assistantMessage.id,
      userTurns: 2,
      model: 'offline',
    });
    expect(one!.content).toContain('User: Alpha is my project name.');
    expect(one!.content).toContain('User: Bravo is the team lead.');

    await send(conversation.id, 'Charlie joins next week.');
    const fourth = await send(conversation.id, 'Delta is the budget code.');
    const items = await summariesCount(conversation.id, 2);
    expect(items).toHaveLength(2);
    const [latest, earlier] = items;
    expect(earlier!.id).toBe(one!.id);
    expect(latest).toMatchObject({
      firstMessageId: first.userMessage.id,
      lastMessageId: fourth.assistantMessage.id,
      userTurns: 4,
    });
    // The previous summary and the new messages, not one or the other.
    for (const fact of ['Alpha is my project name.', 'Bravo is the team lead.', 'Charlie joins', 'Delta is the budget'])
      expect(latest!.content).toContain(fact);
    // One job per threshold reached (turns apart), each stored once. The summary is stored inside the
    // job, so the queue may mark the second one completed a moment after it is readable.
    const settled = await eventually(async () => {
      const states = (await jobStates(conversation.id)).map((job) => job.state);
      return states.some((state) => state === 'created' || state === 'active') ? undefined : states;
    }, 30_000);
    expect(settled).toEqual(['completed', 'completed']);
  });

  it('keeps one waiting summary job per conversation through 20 quick turns, and stores summaries that never overlap', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Quick summariser',
      model: 'offline',
      companion: { summaryEveryTurns: 2 },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    let mostWaiting = 0;
    let isSending = true;
    const watching = (async () => {
      while (isSending) {
        const { rows } = await t.database.executeSql(
          `select count(*)::int as waiting from pgboss.job
           where name = 'companion.summarize' and data->>'conversationId' = $1 and state in ('created', 'retry')`,
          [conversation.id],
        );
        mostWaiting = Math.max(mostWaiting, (rows[0] as { waiting: number }).waiting);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (let turn = 1; turn <= 20; turn += 1) last = await send(conversation.id, `Fact number ${turn} is noted.`);
    isSending = false;
    await watching;
    expect(mostWaiting).toBeLessThanOrEqual(1);
    // The last job reaches the last reply.
    await eventually(async () => {
      const [latest] = await summaries(conversation.id);
      return latest?.lastMessageId === last!.assistantMessage.id ? true : undefined;
    }, 30_000);
    // Each summary covers the messages after the previous one's end, through its own: none counted twice.
    const { rows } = await t.database.executeSql(
      `select s.last_message_id as "lastMessageId", s.message_count as "messageCount", s.user_turns as "userTurns",
         (select count(*)::int from messages m where m.conversation_id = s.conversation_id and m.id <= s.last_message_id
            and m.role = 'user') as "turnsThrough",
         (select count(*)::int from messages m where m.conversation_id = s.conversation_id and m.id <= s.last_message_id)
           as "messagesThrough"
       from conversation_summaries s where s.conversation_id = $1 order by s.last_message_id`,
      [conversation.id],
    );
    const stored = rows as { messageCount: number; userTurns: number; turnsThrough: number; messagesThrough: number }[];
    expect(stored.length).toBeGreaterThan(0);
    let messagesBefore = 0;
    for (const summary of stored) {
      expect(summary.userTurns).toBe(summary.turnsThrough);
      expect(summary.messageCount).toBe(summary.messagesThrough - messagesBefore);
      messagesBefore = summary.messagesThrough;
    }
    expect(stored.at(-1)!.userTurns).toBe(20);
  });

  it('writes none for an agent with summaries off', async () => {
    const off = await createAgent(t.app, admin, {
      name: 'No summaries',
      model: 'offline',
      companion: { summaries: false, summaryEveryTurns: 2 },
    });
    const on = await createAgent(t.app, admin, {
      name: 'Summaries',
      model: 'offline',
      companion: { summaryEveryTurns: 2 },
    });
    const quiet = await createConversation(t.app, member, off.id);
    const summarised = await createConversation(t.app, member, on.id);
    for (const content of ['One thing.', 'Another thing.']) {
      await send(quiet.id, content);
      await send(summarised.id, content);
    }
    await summariesCount(summarised.id, 1);
    expect(await summaries(quiet.id)).toEqual([]);
    expect(await jobStates(quiet.id)).toEqual([]);
  });

  it('gives a model whose history was cut the latest summary', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Long talker',
      model: 'openai:gpt-4o-mini',
      instructions: 'Be brief.',
      companion: { summaryEveryTurns: 2, utilityModel: 'offline' },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    await send(conversation.id, 'Echo is the codename of the launch.');
    const systemOf = () =>
      (openai.lastRequest().body as { messages: { role: string; content: string }[] }).messages.find(
        (message) => message.role === 'system',
      )?.content ?? '';
    expect(systemOf()).toBe('Be brief.');
    await send(conversation.id, 'Foxtrot is the venue.');
    await summariesCount(conversation.id, 1);
    // Six messages fit (CHAT history limit 6 in this app): the third turn still sees everything.
    await send(conversation.id, 'Golf is the caterer.');
    expect(systemOf()).toBe('Be brief.');
    await send(conversation.id, 'Hotel is where guests sleep.');
    expect(systemOf()).toContain('Be brief.');
    expect(systemOf()).toContain('Summary of the earlier conversation');
    expect(systemOf()).toContain('User: Echo is the codename of the launch.');
  });

  it('retries a failed model call with backoff and never stores its failure; a deleted conversation ends the job', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Failing summariser',
      model: 'offline',
      companion: { summaryEveryTurns: 2, utilityModel: 'anthropic:claude-3-5-haiku-latest' },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    await send(conversation.id, 'India is the region.');
    await send(conversation.id, 'Juliet is the approver.');
    // The first call failed: the job waits out its backoff (5–10 s), checked, then brought forward.
    await bringRetryForward(t.database, 'companion.summarize', conversation.id, 0);
    const failed = await eventually(async () => {
      const [job] = await jobStates(conversation.id);
      return job && job.retry_count >= 1 ? job : undefined;
    }, 60_000);
    expect(failed.state).toMatch(/retry|active|created/);
    expect(anthropic.requests.length).toBeGreaterThanOrEqual(1);
    expect(await summaries(conversation.id)).toEqual([]);
    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: member.headers,
    });
    expect(history.json().items).toHaveLength(4);
    expect(history.body).not.toContain('The summariser is down');

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${conversation.id}`,
      headers: member.headers,
    });
    expect(deleted.statusCode).toBe(204);
    await eventually(async () => {
      // The run after the deletion ends the job, whether or not one more failed before it.
      await bringAnyRetryForward(t.database, 'companion.summarize', conversation.id);
      const [job] = await jobStates(conversation.id);
      return job?.state === 'completed' ? job : undefined;
    }, 60_000);
  }, 150_000);

  it('answers 404 for a conversation the caller may not see', async () => {
    const agent = await createAgent(t.app, admin, { name: 'Private', model: 'offline' });
    const conversation = await createConversation(t.app, member, agent.id);
    const other = await createUser(t.app, admin);
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/summaries`,
      headers: other.headers,
    });
    expect(response.statusCode).toBe(404);
    expect(await summaries(conversation.id, admin)).toEqual([]);
  });
});
