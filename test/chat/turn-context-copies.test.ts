import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

interface SentTurn {
  readonly statusCode: number;
  readonly assistantModel: string | undefined;
  readonly body: string;
}

/**
 * A node checks a turn against its own copy of the conversation and agent (chat/turn-contexts.ts) and the
 * turn's one statement stores it only while what was checked still holds. Nothing tells the copy of a
 * change, so each change below reaches a node holding the old copy: the turn must act on the change.
 */
describe("a turn checked against the node's copy of its conversation", () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let member: SignedInUser;

  const send = async (user: SignedInUser, conversationId: string, content: string): Promise<SentTurn> => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
    const body = response.json<{ assistantMessage?: { model: string } }>();
    return { statusCode: response.statusCode, assistantModel: body.assistantMessage?.model, body: response.body };
  };
  const patchAgent = async (agentId: string, changes: object) => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}`,
      headers: admin.headers,
      payload: changes,
    });
    expect(response.statusCode, response.body).toBe(200);
  };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: ['Fine.'] });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-test-copies' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    member = await createUser(t.app, admin, 'member');
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it("answers with the agent's new model once it changed, not the copy's", async () => {
    const agent = await createAgent(t.app, admin, { name: 'Changing', model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Models' });
    expect((await send(admin, conversation.id, 'first')).assistantModel).toBe('openai:gpt-4o-mini');

    await patchAgent(agent.id, { model: 'openai:gpt-4o' });
    const after = await send(admin, conversation.id, 'second');

    expect(after.statusCode, after.body).toBe(201);
    expect(after.assistantModel).toBe('openai:gpt-4o');
    expect(openai.lastRequest().body).toMatchObject({ model: 'gpt-4o' });
  });

  it('refuses a member once the agent was made private, though the copy says it is shared', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Shared',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    const conversation = await createConversation(t.app, member, agent.id, { title: 'Mine' });
    expect((await send(member, conversation.id, 'first')).statusCode).toBe(201);

    await patchAgent(agent.id, { visibility: 'private' });
    const refused = await send(member, conversation.id, 'second');

    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.body).toContain('no longer available to you');
  });

  it('answers 404 once the conversation was deleted, and stores nothing', async () => {
    const agent = await createAgent(t.app, admin, { name: 'Kept', model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Gone' });
    expect((await send(admin, conversation.id, 'first')).statusCode).toBe(201);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${conversation.id}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode).toBe(204);

    const refused = await send(admin, conversation.id, 'second');

    expect(refused.statusCode, refused.body).toBe(404);
  });

  it('refuses the message its sender’s daily cap does not admit, in the statement that would store it', async () => {
    const agent = await createAgent(t.app, admin, { name: 'Capped', model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, member, agent.id, { title: 'Capped' });
    const setCap = async (dailyMessagesPerUser: number | null) => {
      const budget = await t.app.inject({
        method: 'PUT',
        url: '/v1/tenant/budget',
        headers: admin.headers,
        payload: { dailyMessagesPerUser },
      });
      expect(budget.statusCode, budget.body).toBe(200);
    };
    const countOf = async (sql: string, id: string) =>
      Number((await t.database.executeSql(sql, [id])).rows.map((row) => (row as { n: number }).n)[0] ?? 0);
    const sentToday = await countOf('select messages as n from user_daily_messages where user_id = $1', member.userId);
    await setCap(sentToday + 1);
    const messagesOf = () =>
      countOf('select count(*)::int as n from messages where conversation_id = $1', conversation.id);
    const messagesBefore = await messagesOf();

    expect((await send(member, conversation.id, 'the last one today')).statusCode).toBe(201);
    const refused = await send(member, conversation.id, 'one too many');

    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.body).toContain('daily');
    expect(await messagesOf()).toBe(messagesBefore + 2);
    expect(await countOf('select messages as n from user_daily_messages where user_id = $1', member.userId)).toBe(
      sentToday + 1,
    );
    await setCap(null);
  });

  /**
   * The race: the copy is filled by a read that runs beside the agent's change, so it may hold the agent
   * as it was a moment before the change committed. A turn sent once the change has answered must still
   * use the new model, round after round.
   */
  it('never uses a model the agent no longer has, with the change racing the copy, 50 rounds', async () => {
    const models = ['openai:gpt-4o-mini', 'openai:gpt-4o'] as const;
    const agent = await createAgent(t.app, admin, { name: 'Racing', model: models[0] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Race' });
    const failures: string[] = [];
    for (let round = 0; round < 50; round += 1) {
      const next = models[(round + 1) % 2]!;
      const racing = send(admin, conversation.id, `racing ${round}`);
      await new Promise((resolve) => setTimeout(resolve, round % 5));
      await patchAgent(agent.id, { model: next });
      const raced = await racing;
      if (raced.statusCode !== 201) failures.push(`round ${round}: the racing turn answered ${raced.statusCode}`);
      const after = await send(admin, conversation.id, `after ${round}`);
      if (after.assistantModel !== next) {
        failures.push(`round ${round}: answered by ${after.assistantModel}, the agent has ${next}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
