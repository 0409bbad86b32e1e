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

interface Memory {
  id: string;
  content: string;
  sourceMessageId: string | null;
}

/**
 * Long-term memory (docs/companion.md) on the real app and job queue: facts drawn by the offline
 * extraction from the user's own words, kept once, given to the model in the user's next conversations
 * with the agent, seen and changed only by that user, and gone with the agent or the user.
 */
describe('long-term memory', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherMember: SignedInUser;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-memory-test' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    member = await createUser(t.app, admin);
    otherMember = await createUser(t.app, admin);
    agentId = (
      await createAgent(t.app, admin, {
        name: 'Companion',
        model: 'openai:gpt-4o-mini',
        companion: { memory: true, utilityModel: 'offline' },
      })
    ).id;
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
  }, 120_000);

  const send = async (user: SignedInUser, conversationId: string, content: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ userMessage: { id: string } }>();
  };
  const memoriesOf = async (user: SignedInUser, agent = agentId): Promise<Memory[]> => {
    const response = await t.app.inject({ method: 'GET', url: `/v1/agents/${agent}/memories`, headers: user.headers });
    expect(response.statusCode).toBe(200);
    return response.json<{ items: Memory[] }>().items;
  };
  const jobDone = (messageId: string) =>
    eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select state from pgboss.job where name = 'companion.remember' and data->>'messageId' = $1`,
        [messageId],
      );
      return (rows as { state: string }[])[0]?.state === 'completed' ? true : undefined;
    }, 30_000);
  const systemPrompt = () =>
    (openai.lastRequest().body as { messages: { role: string; content: string }[] }).messages.find(
      (message) => message.role === 'system',
    )?.content ?? '';
  const rowsOf = async (table: string, column: string, id: string) =>
    (await t.database.executeSql(`select id from ${table} where ${column} = $1`, [id])).rows.length;

  it('keeps the facts a user states, once each, with their message, and gives them to the next conversation', async () => {
    const first = await createConversation(t.app, member, agentId);
    const { userMessage } = await send(member, first.id, 'I prefer metric units. My dog is called Rex. Is it sunny?');
    await jobDone(userMessage.id);
    expect(await memoriesOf(member)).toEqual([
      expect.objectContaining({ content: 'Prefers metric units', sourceMessageId: userMessage.id }),
      expect.objectContaining({ content: 'Their dog is called Rex', sourceMessageId: userMessage.id }),
    ]);
    // Said again, differently cased: still one fact.
    const again = await send(member, first.id, 'i prefer Metric units!');
    await jobDone(again.userMessage.id);
    expect(await memoriesOf(member)).toHaveLength(2);
    // This conversation began before they were known: its model is not told them.
    expect(systemPrompt()).not.toContain('Prefers metric units');

    const next = await createConversation(t.app, member, agentId);
    await send(member, next.id, 'Hello again');
    expect(systemPrompt()).toContain('What you remember about this user');
    expect(systemPrompt()).toContain('- Prefers metric units\n- Their dog is called Rex');
  });

  it("keeps one waiting extraction per conversation through 20 quick turns, and every message's facts", async () => {
    const owner = await createUser(t.app, admin);
    const conversation = await createConversation(t.app, owner, agentId);
    const names =
      'Ash Birch Cedar Daisy Elm Fern Gorse Hazel Iris Juniper Kale Lotus Maple Nettle Oak Poppy Quince Rowan Sage Thyme';
    const pets = names.split(' ');
    let mostWaiting = 0;
    let isSending = true;
    const watching = (async () => {
      while (isSending) {
        const { rows } = await t.database.executeSql(
          `select count(*)::int as waiting from pgboss.job j join messages m on m.id = (j.data->>'messageId')::uuid
           where j.name = 'companion.remember' and m.conversation_id = $1 and j.state in ('created', 'retry')`,
          [conversation.id],
        );
        mostWaiting = Math.max(mostWaiting, (rows[0] as { waiting: number }).waiting);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    for (const [turn, pet] of pets.entries())
      await send(owner, conversation.id, `My pet number ${turn} is called ${pet}`);
    isSending = false;
    await watching;
    expect(mostWaiting).toBeLessThanOrEqual(1);
    const remembered = await eventually(async () => {
      const items = await memoriesOf(owner);
      return items.length >= pets.length ? items : undefined;
    }, 30_000);
    expect(remembered.map((memory) => memory.content).sort()).toEqual(
      pets.map((pet, turn) => `Their pet number ${turn} is called ${pet}`).sort(),
    );
  });

  it("never shows or gives one user's memories to another", async () => {
    expect(await memoriesOf(otherMember)).toEqual([]);
    expect(await memoriesOf(admin)).toEqual([]);
    const conversation = await createConversation(t.app, otherMember, agentId);
    await send(otherMember, conversation.id, 'Hi there');
    expect(systemPrompt()).not.toContain('Rex');
    const [theirs] = await memoriesOf(member);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const response = await t.app.inject({
        method,
        url: `/v1/agents/${agentId}/memories/${theirs!.id}`,
        headers: otherMember.headers,
        ...(method === 'PATCH' && { payload: { content: 'Hijacked' } }),
      });
      expect(response.statusCode).toBe(404);
    }
    expect((await memoriesOf(member)).map((memory) => memory.content)).toContain(theirs!.content);
  });

  it('lets the user correct and delete what it remembers', async () => {
    const [metric, dog] = await memoriesOf(member);
    const edited = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}/memories/${dog!.id}`,
      headers: member.headers,
      payload: { content: 'Has a dog called Rex' },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ id: dog!.id, content: 'Has a dog called Rex' });
    const duplicate = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}/memories/${dog!.id}`,
      headers: member.headers,
      payload: { content: 'prefers metric units' },
    });
    expect(duplicate.statusCode).toBe(409);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/agents/${agentId}/memories/${metric!.id}`,
      headers: member.headers,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await memoriesOf(member)).map((memory) => memory.content)).toEqual(['Has a dog called Rex']);
  });

  it('keeps nothing for an agent with memory off (the default)', async () => {
    const plain = await createAgent(t.app, admin, { name: 'Forgetful', model: 'offline' });
    const conversation = await createConversation(t.app, member, plain.id);
    const { userMessage } = await send(member, conversation.id, 'I love jazz.');
    // The same message to the agent with memory is remembered: its job ran, this one was never queued.
    const remembered = await send(member, (await createConversation(t.app, member, agentId)).id, 'I love jazz.');
    await jobDone(remembered.userMessage.id);
    expect(await memoriesOf(member, plain.id)).toEqual([]);
    const { rows } = await t.database.executeSql(
      `select id from pgboss.job where name = 'companion.remember' and data->>'messageId' = $1`,
      [userMessage.id],
    );
    expect(rows).toEqual([]);
  });

  it('deletes the memories with their user and with their agent', async () => {
    const leaving = await createUser(t.app, admin);
    const agent = await createAgent(t.app, admin, {
      name: 'Short-lived',
      model: 'offline',
      companion: { memory: true },
    });
    for (const user of [leaving, member]) {
      const conversation = await createConversation(t.app, user, agent.id);
      await jobDone((await send(user, conversation.id, 'I work as a nurse.')).userMessage.id);
    }
    expect(await rowsOf('agent_memories', 'user_id', leaving.userId)).toBe(1);
    const removedUser = await t.app.inject({
      method: 'DELETE',
      url: `/v1/users/${leaving.userId}`,
      headers: admin.headers,
    });
    expect(removedUser.statusCode).toBe(204);
    expect(await rowsOf('agent_memories', 'user_id', leaving.userId)).toBe(0);
    expect(await rowsOf('agent_memories', 'agent_id', agent.id)).toBe(1);
    const removedAgent = await t.app.inject({
      method: 'DELETE',
      url: `/v1/agents/${agent.id}`,
      headers: admin.headers,
    });
    expect(removedAgent.statusCode).toBe(204);
    expect(await rowsOf('agent_memories', 'agent_id', agent.id)).toBe(0);
  });

  it('answers 404 for an agent the caller may not use, and 400 for a bad memory', async () => {
    const privateAgent = await createAgent(t.app, member, { name: 'Mine', model: 'offline', visibility: 'private' });
    const refused = await t.app.inject({
      method: 'GET',
      url: `/v1/agents/${privateAgent.id}/memories`,
      headers: otherMember.headers,
    });
    expect(refused.statusCode).toBe(404);
    const [memory] = await memoriesOf(member);
    const tooLong = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agentId}/memories/${memory!.id}`,
      headers: member.headers,
      payload: { content: 'x'.repeat(201) },
    });
    expect(tooLong.statusCode).toBe(400);
  });
});
