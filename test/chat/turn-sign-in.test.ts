import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';

/**
 * A chat turn lets its sender in on the node's memory of their sign-in's last check and confirms the
 * sign-in in the statement that stores the turn (auth/live-sign-in.ts): one round trip before the model.
 * The memory is forgotten when a change is told; these make the changes where nothing tells the node
 * (straight in the database, as a node without Redis would miss them) and race them against turns.
 */
describe("a chat turn confirms its sender's sign-in in its own statement", () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let agentId: string;

  const send = (user: SignedInUser, conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
  const messagesIn = async (conversationId: string) =>
    Number(
      (
        await t.database.executeSql('select count(*)::int as n from messages where conversation_id = $1', [
          conversationId,
        ])
      ).rows.map((row) => (row as { n: number }).n)[0],
    );
  /** A member who has sent one turn, so this node remembers their sign-in as live. */
  const rememberedMember = async () => {
    const member = await createUser(t.app, admin, 'member');
    const conversation = await createConversation(t.app, member, agentId, { title: 'Mine' });
    expect((await send(member, conversation.id, 'hello')).statusCode).toBe(201);
    return { member, conversationId: conversation.id };
  };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: ['Fine.'] });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-test-sign-in' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { name: 'Shared', model: 'openai:gpt-4o-mini', visibility: 'tenant' }))
      .id;
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it('refuses with 401 a sign-in revoked behind the node, and stores nothing', async () => {
    const { member, conversationId } = await rememberedMember();
    await t.database.executeSql('update refresh_tokens set revoked_at = now() where user_id = $1', [member.userId]);
    const before = await messagesIn(conversationId);
    const requestsBefore = openai.requests.length;

    const refused = await send(member, conversationId, 'after the sign-out');

    expect(refused.statusCode, refused.body).toBe(401);
    expect(refused.json<{ detail: string }>().detail).toContain('was not accepted');
    expect(await messagesIn(conversationId)).toBe(before);
    expect(openai.requests.length).toBe(requestsBefore);
  });

  it('refuses with 401 a user disabled behind the node', async () => {
    const { member, conversationId } = await rememberedMember();
    await t.database.executeSql('update users set disabled_at = now() where id = $1', [member.userId]);

    const refused = await send(member, conversationId, 'while disabled');

    expect(refused.statusCode, refused.body).toBe(401);
    await t.database.executeSql('update users set disabled_at = null where id = $1', [member.userId]);
  });

  it('answers as the role the user holds now when it changed behind the node', async () => {
    const { member, conversationId } = await rememberedMember();
    await t.database.executeSql(`update users set role = 'operator' where id = $1`, [member.userId]);

    const answered = await send(member, conversationId, 'as an operator');

    expect(answered.statusCode, answered.body).toBe(201);
    expect(await messagesIn(conversationId)).toBe(4);
  });

  it('does not replay an earlier turn to a sign-in that ended', async () => {
    const { member, conversationId } = await rememberedMember();
    const keyed = (content: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversationId}/messages`,
        headers: { ...member.headers, accept: 'application/json', 'idempotency-key': 'once' },
        payload: { content },
      });
    expect((await keyed('kept')).statusCode).toBe(201);
    await t.database.executeSql('update refresh_tokens set revoked_at = now() where user_id = $1', [member.userId]);

    const replayed = await keyed('kept');

    expect(replayed.statusCode, replayed.body).toBe(401);
    expect(replayed.body).not.toContain('Fine.');
  });

  /**
   * The race: a sign-out a few ms after a turn, through the API (told to the node, whose memory a turn's
   * own check may refill a moment later) or behind the node (told to nobody), round by round. The racing
   * turn is answered or refused whole; a turn sent once the sign-out is done is refused and stores nothing.
   */
  it('refuses every turn sent after a sign-out that raced another turn, 50 rounds', async () => {
    const { member: first, conversationId } = await rememberedMember();
    const failures: string[] = [];
    for (let round = 0; round < 50; round += 1) {
      const member = round === 0 ? first : await signIn(t.app, first.email);
      const racing = send(member, conversationId, `racing ${round}`);
      await new Promise((resolve) => setTimeout(resolve, round % 4));
      if (round % 2 === 0) {
        const logout = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/logout',
          payload: { refreshToken: member.refreshToken },
        });
        expect(logout.statusCode).toBe(204);
      } else {
        await t.database.executeSql('update refresh_tokens set revoked_at = now() where user_id = $1', [member.userId]);
      }
      const raced = await racing;
      if (raced.statusCode !== 201 && raced.statusCode !== 401) {
        failures.push(`round ${round}: the racing turn answered ${raced.statusCode}`);
      }
      const before = await messagesIn(conversationId);
      const after = await send(member, conversationId, `after ${round}`);
      if (after.statusCode !== 401)
        failures.push(`round ${round}: a turn after the sign-out answered ${after.statusCode}`);
      if ((await messagesIn(conversationId)) !== before)
        failures.push(`round ${round}: a turn after the sign-out was stored`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
