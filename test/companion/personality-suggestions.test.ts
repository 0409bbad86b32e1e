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
import { bringRetryForward } from '../harness/job-retries.js';

interface Suggestion {
  id: string;
  instructions: string;
  reason: string;
  confidence: number;
  model: string;
  userTurns: number;
  status: string;
  appliedTo: string | null;
  autoApplied: boolean;
  decidedBy: string | null;
}

interface SuggestionList {
  personalityOverride: string | null;
  items: Suggestion[];
}

const casualShort = ['hey lol', 'ok cool thx', 'yeah gonna try', 'haha nice', 'btw pls more', 'cool cool'];
const modelProposal = {
  instructions: 'Answer like a seasoned sailor, with nautical examples.',
  reason: 'The user keeps talking about boats and sailing.',
  confidence: 0.82,
};

/**
 * Personality suggestions (docs/companion.md) on the real app, its job queue and its storage: the
 * offline rules at the agent's threshold and not before, one a day whatever runs at once, the fake OpenAI
 * server's structured answer (and a bad one, stored never), the review routes and who may use them, the
 * conversation's override in the next turn's system prompt, and auto-apply.
 */
describe('personality suggestions', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let anthropic: FakeAnthropicServer;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherMember: SignedInUser;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    anthropic = await startFakeAnthropicServer({ error: { status: 500, message: 'The analyst is down' } });
    t = await buildTestApp({
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-suggestions-test',
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-suggestions-test',
    });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    member = await createUser(t.app, admin);
    otherMember = await createUser(t.app, admin);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
    await anthropic.close();
  }, 120_000);

  const send = async (conversationId: string, content: string, user = member) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(response.statusCode).toBe(201);
  };
  const sendAll = async (conversationId: string, contents: readonly string[], user = member) => {
    for (const content of contents) await send(conversationId, content, user);
  };
  const listOf = async (conversationId: string, user = member) =>
    t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversationId}/personality-suggestions`,
      headers: user.headers,
    });
  const suggestions = async (conversationId: string, user = member): Promise<SuggestionList> => {
    const response = await listOf(conversationId, user);
    expect(response.statusCode).toBe(200);
    return response.json<SuggestionList>();
  };
  const decide = (
    user: SignedInUser,
    conversationId: string,
    suggestionId: string,
    action: 'apply' | 'dismiss',
    target?: 'conversation' | 'agent',
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/personality-suggestions/${suggestionId}/${action}`,
      headers: user.headers,
      ...(target && { payload: { target } }),
    });
  const queuedJobs = async (conversationId: string) => {
    const { rows } = await t.database.executeSql(
      `select state, retry_count from pgboss.job where name = 'companion.suggest-personality' and data->>'conversationId' = $1`,
      [conversationId],
    );
    return rows as { state: string; retry_count: number }[];
  };
  /** The job as the queue runs it, for a day of the test's choosing (one a day per conversation). */
  const suggestOn = (conversationId: string, day: string) =>
    t.app.personalitySuggestions.suggest(
      { tenantId: admin.tenantId, conversationId, day },
      { signal: new AbortController().signal },
    );
  const offlineAgent = (name: string, companion: Record<string, unknown> = {}) =>
    createAgent(t.app, admin, {
      name,
      model: 'offline',
      companion: { personalitySuggestions: true, suggestionAfterTurns: 3, ...companion },
    });

  it('suggests from the offline rules once the user passed the threshold of turns, and not before', async () => {
    const agent = await offlineAgent('Casual listener');
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, casualShort.slice(0, 2));
    await t.app.personalitySuggestions.scan();
    expect(await queuedJobs(conversation.id)).toEqual([]);
    expect((await suggestions(conversation.id)).items).toEqual([]);

    await send(conversation.id, casualShort[2]!);
    await t.app.personalitySuggestions.scan();
    expect(await queuedJobs(conversation.id)).toHaveLength(1);
    const [suggestion] = await eventually(async () => {
      const { items } = await suggestions(conversation.id);
      return items.length > 0 ? items : undefined;
    }, 30_000);
    expect(suggestion).toMatchObject({ model: 'offline', userTurns: 3, status: 'pending', autoApplied: false });
    expect(suggestion!.instructions).toContain('Keep answers short');
    expect(suggestion!.instructions).toContain('casual tone');
    expect(suggestion!.reason).toMatch(/In 3 messages, their messages are short/);
    expect(suggestion!.confidence).toBeGreaterThan(0);
    expect(suggestion!.confidence).toBeLessThanOrEqual(1);

    // Once a day: more turns the same day bring no second suggestion; the next day may.
    await send(conversation.id, casualShort[3]!);
    await t.app.personalitySuggestions.scan();
    expect(await queuedJobs(conversation.id)).toHaveLength(1);
    const today = new Date().toISOString().slice(0, 10);
    await suggestOn(conversation.id, today);
    expect((await suggestions(conversation.id)).items).toHaveLength(1);
    await suggestOn(conversation.id, '2031-01-02');
    expect((await suggestions(conversation.id)).items).toHaveLength(2);
  });

  it('looks once a day even when the look finds nothing to suggest', async () => {
    const agent = await offlineAgent('Plain talker');
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, [
      'What is the capital of Peru and how many people live there?',
      'Which mountains are the highest in South America, and where are they?',
      'How long does the train from Cusco to the nearest valley town usually take?',
    ]);
    await t.app.personalitySuggestions.scan();
    await eventually(async () => {
      const jobs = await queuedJobs(conversation.id);
      return jobs.length === 1 && jobs[0]!.state === 'completed' ? true : undefined;
    }, 30_000);
    expect((await suggestions(conversation.id)).items).toEqual([]);
    await send(conversation.id, 'And what about Bolivia, which city is its seat of government?');
    await t.app.personalitySuggestions.scan();
    expect(await queuedJobs(conversation.id)).toHaveLength(1);
  });

  it('stores one suggestion when two runs of the job, or two scans, go at once', async () => {
    const agent = await offlineAgent('Raced');
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, casualShort.slice(0, 3));
    await Promise.all([suggestOn(conversation.id, '2031-02-01'), suggestOn(conversation.id, '2031-02-01')]);
    expect((await suggestions(conversation.id)).items).toHaveLength(1);

    const again = await createConversation(t.app, member, agent.id);
    await sendAll(again.id, casualShort.slice(0, 3));
    await Promise.all([t.app.personalitySuggestions.scan(), t.app.personalitySuggestions.scan()]);
    await eventually(async () => ((await suggestions(again.id)).items.length > 0 ? true : undefined), 30_000);
    // Whatever ran last has finished: the queue holds no job for it that is still to run.
    await eventually(async () => {
      const jobs = await queuedJobs(again.id);
      return jobs.every((job) => job.state === 'completed') ? true : undefined;
    }, 30_000);
    expect((await suggestions(again.id)).items).toHaveLength(1);
  });

  it("stores the OpenAI model's structured suggestion, fenced or not, and nothing from a bad answer", async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Sailor',
      model: 'openai:gpt-4o-mini',
      instructions: 'Be helpful.',
      companion: { personalitySuggestions: true, suggestionAfterTurns: 2, summaries: false },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, ['I sail every weekend.', 'My boat needs a new sail.']);

    openai.respondWith({ replyTokens: [JSON.stringify(modelProposal)] });
    await suggestOn(conversation.id, '2031-03-01');
    const request = openai.lastRequest().body as { response_format?: { type: string }; messages: unknown[] };
    expect(request.response_format?.type).toBe('json_schema');
    expect(JSON.stringify(request.messages)).toContain('My boat needs a new sail.');
    expect((await suggestions(conversation.id)).items[0]).toMatchObject({
      ...modelProposal,
      model: 'openai:gpt-4o-mini',
      userTurns: 2,
    });

    openai.respondWith({ replyTokens: ['```json\n', JSON.stringify({ ...modelProposal, confidence: 0.4 }), '\n```'] });
    await suggestOn(conversation.id, '2031-03-02');
    expect((await suggestions(conversation.id)).items[0]).toMatchObject({ confidence: 0.4 });

    for (const bad of ['The personality fits well.', JSON.stringify({ ...modelProposal, confidence: 7 })]) {
      openai.respondWith({ replyTokens: [bad] });
      await expect(suggestOn(conversation.id, '2031-03-03')).rejects.toThrow(/valid personality suggestion/);
    }
    openai.respondWith({ error: { status: 500, message: 'The analyst is out' } });
    await expect(suggestOn(conversation.id, '2031-03-03')).rejects.toThrow();
    expect((await suggestions(conversation.id)).items).toHaveLength(2);
    openai.respondWith({});
  });

  it('retries a failed model call with backoff and stores nothing; a deleted conversation ends the job', async () => {
    const agent = await offlineAgent('Failing analyst', { utilityModel: 'anthropic:claude-3-5-haiku-latest' });
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, casualShort.slice(0, 3));
    await t.app.personalitySuggestions.scan();
    // The first call failed: the job waits out its backoff (10–20 s), checked, then brought forward.
    await bringRetryForward(t.database, 'companion.suggest-personality', conversation.id, 0);
    const failed = await eventually(async () => {
      const [job] = await queuedJobs(conversation.id);
      return job && job.retry_count >= 1 ? job : undefined;
    }, 60_000);
    expect(failed.state).toMatch(/retry|active|created/);
    expect(anthropic.requests.length).toBeGreaterThanOrEqual(1);
    expect((await suggestions(conversation.id)).items).toEqual([]);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${conversation.id}`,
      headers: member.headers,
    });
    expect(deleted.statusCode).toBe(204);
    await expect(suggestOn(conversation.id, '2031-04-01')).resolves.toBeUndefined();
  }, 90_000);

  it('keeps one waiting analysis per conversation: a scan while its job waits for a retry adds none', async () => {
    const agent = await offlineAgent('Retrying analyst', { utilityModel: 'anthropic:claude-3-5-haiku-latest' });
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, casualShort.slice(0, 3));
    await t.app.personalitySuggestions.scan();
    await eventually(async () => {
      const jobs = await queuedJobs(conversation.id);
      return jobs.some((job) => job.state === 'retry') ? true : undefined;
    }, 60_000);
    await t.app.personalitySuggestions.scan();
    await t.app.personalitySuggestions.scan();
    const waiting = (await queuedJobs(conversation.id)).filter((job) => ['created', 'retry'].includes(job.state));
    expect(waiting).toHaveLength(1);
  }, 90_000);

  it('lets only the owner review; the agent itself only for someone allowed to edit it', async () => {
    const agent = await offlineAgent('Shared companion');
    const conversation = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, casualShort.slice(0, 3));
    await suggestOn(conversation.id, '2031-05-01');
    await suggestOn(conversation.id, '2031-05-02');
    const [second, first] = (await suggestions(conversation.id)).items;

    // Another member, and even the admin who sees every conversation, get the 404 of a missing one.
    for (const stranger of [otherMember, admin]) {
      expect((await listOf(conversation.id, stranger)).statusCode).toBe(404);
      expect((await decide(stranger, conversation.id, first!.id, 'apply', 'conversation')).statusCode).toBe(404);
      expect((await decide(stranger, conversation.id, first!.id, 'dismiss')).statusCode).toBe(404);
    }
    const unknown = await decide(member, conversation.id, conversation.id, 'dismiss');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toContain('Personality suggestion');
    const noTarget = await decide(member, conversation.id, first!.id, 'apply');
    expect(noTarget.statusCode).toBe(400);

    // A member may not change a tenant-wide agent.
    const toAgent = await decide(member, conversation.id, first!.id, 'apply', 'agent');
    expect(toAgent.statusCode).toBe(403);

    const applied = await decide(member, conversation.id, first!.id, 'apply', 'conversation');
    expect(applied.statusCode).toBe(200);
    expect(applied.json()).toMatchObject({
      status: 'applied',
      appliedTo: 'conversation',
      decidedBy: member.userId,
      autoApplied: false,
    });
    expect((await suggestions(conversation.id)).personalityOverride).toBe(first!.instructions);
    expect((await decide(member, conversation.id, first!.id, 'apply', 'conversation')).statusCode).toBe(409);
    expect((await decide(member, conversation.id, first!.id, 'dismiss')).statusCode).toBe(409);

    const dismissed = await decide(member, conversation.id, second!.id, 'dismiss');
    expect(dismissed.json()).toMatchObject({ status: 'dismissed', appliedTo: null, decidedBy: member.userId });
    expect((await decide(member, conversation.id, second!.id, 'dismiss')).statusCode).toBe(409);
    expect((await suggestions(conversation.id)).personalityOverride).toBe(first!.instructions);

    // The admin, in a conversation of their own, may give the agent itself the suggestion.
    const own = await createConversation(t.app, admin, agent.id);
    await sendAll(own.id, casualShort.slice(0, 3), admin);
    await suggestOn(own.id, '2031-05-03');
    const [mine] = (await suggestions(own.id, admin)).items;
    const toTheAgent = await decide(admin, own.id, mine!.id, 'apply', 'agent');
    expect(toTheAgent.statusCode).toBe(200);
    expect(toTheAgent.json()).toMatchObject({ status: 'applied', appliedTo: 'agent' });
    const edited = await t.app.inject({ method: 'GET', url: `/v1/agents/${agent.id}`, headers: admin.headers });
    expect(edited.json().instructions).toBe(`You are helpful.\n\n${mine!.instructions}`);
    expect((await suggestions(own.id, admin)).personalityOverride).toBeNull();
  });

  it("gives every later turn of the conversation its override, after the agent's instructions", async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Adapting',
      model: 'openai:gpt-4o-mini',
      instructions: 'Be brief.',
      companion: { personalitySuggestions: true, suggestionAfterTurns: 2, summaries: false },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    const untouched = await createConversation(t.app, member, agent.id);
    await sendAll(conversation.id, ['Ahoy there.', 'Tell me about knots.']);
    openai.respondWith({ replyTokens: [JSON.stringify(modelProposal)] });
    await suggestOn(conversation.id, '2031-06-01');
    openai.respondWith({});
    const [suggestion] = (await suggestions(conversation.id)).items;
    expect((await decide(member, conversation.id, suggestion!.id, 'apply', 'conversation')).statusCode).toBe(200);

    const systemOf = () =>
      (openai.lastRequest().body as { messages: { role: string; content: string }[] }).messages.find(
        (message) => message.role === 'system',
      )?.content ?? '';
    await send(conversation.id, 'And about sails?');
    expect(systemOf()).toMatch(/^Be brief\.\n\nHow to talk with this user in this conversation/);
    expect(systemOf()).toContain(modelProposal.instructions);
    await send(untouched.id, 'And about sails?');
    expect(systemOf()).toBe('Be brief.');
  });

  it('applies a suggestion to its conversation on its own at or above the confidence the agent sets', async () => {
    const eager = await offlineAgent('Eager', { autoApplyMinConfidence: 0.1 });
    const cautious = await offlineAgent('Cautious', { autoApplyMinConfidence: 1 });
    const applied = await createConversation(t.app, member, eager.id);
    const pending = await createConversation(t.app, member, cautious.id);
    for (const conversation of [applied, pending]) {
      await sendAll(conversation.id, casualShort.slice(0, 3));
      await suggestOn(conversation.id, '2031-07-01');
    }
    const auto = await suggestions(applied.id);
    expect(auto.items[0]).toMatchObject({
      status: 'applied',
      appliedTo: 'conversation',
      autoApplied: true,
      decidedBy: null,
    });
    expect(auto.personalityOverride).toBe(auto.items[0]!.instructions);
    const kept = await suggestions(pending.id);
    expect(kept.items[0]).toMatchObject({ status: 'pending', autoApplied: false });
    expect(kept.personalityOverride).toBeNull();
  });
});
