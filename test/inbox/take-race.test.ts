import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import {
  createInbox,
  sendAsVisitor,
  startConversation,
  startVisitor,
  type WidgetVisitor,
} from '../widget/widget-setup.js';

type Answer = Awaited<ReturnType<TestApp['app']['inject']>>;

interface StoredReply {
  status: string;
  finish_reason: string | null;
  completed_at: Date | string | null;
  content: string;
}

/**
 * A contact's message and a change that takes the conversation from the AI (an operator's take or
 * resolve, the contact asking for a person), fired 0–25 ms apart in either order, many rounds: the AI
 * never stores a complete answer after the change has committed. Its reply is either finished before
 * the change, or stopped (kept for the operator as stopped), or never started. The model is a real-wire
 * fake that streams slowly, so a reply the change did not stop would finish long after it.
 */
describe('the AI never answers after a person took the conversation', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let operator: SignedInUser;
  let inbox: { id: string };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({
      replyTokens: ['Let', ' me', ' look', ' that', ' up', ' for', ' you', ' right', ' away', '.'],
      tokenDelayMs: 15,
    });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-race-test' });
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Race shop');
    operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    inbox = await createInbox(t.app, admin, { agentId: agent.id });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const operatorDoes =
    (action: 'take' | 'resolve') =>
    (id: string): Promise<Answer> =>
      t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${id}/${action}`,
        headers: operator.headers,
        payload: {},
      });
  const contactAsksForPerson =
    (visitor: WidgetVisitor) =>
    (id: string): Promise<Answer> =>
      t.app.inject({ method: 'POST', url: `/v1/widget/conversations/${id}/handoff`, headers: visitor.headers });

  /** The AI's replies in the chat behind the support conversation, once none is still being written. */
  const settledReplies = (supportId: string) =>
    eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select m.status, m.finish_reason, m.completed_at, m.content from messages m
           join support_conversations s on s.conversation_id = m.conversation_id
          where s.id = $1 and m.role = 'assistant'`,
        [supportId],
      );
      const replies = rows as StoredReply[];
      return replies.some((reply) => reply.status === 'streaming') ? undefined : replies;
    }, 20_000);

  async function race(rounds: number, change: (visitor: WidgetVisitor) => (id: string) => Promise<Answer>) {
    const late: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const visitor = await startVisitor(t.app, inbox.id);
      const conversation = await startConversation(t.app, visitor);
      const gapMs = round % 26;
      const message = async () => {
        if (round % 2 === 1) await pause(gapMs);
        return sendAsVisitor(t.app, visitor, conversation.id, `Where is my order ${round}?`);
      };
      const changed = async () => {
        if (round % 2 === 0) await pause(gapMs);
        const response = await change(visitor)(conversation.id);
        expect(response.statusCode, response.body).toBe(200);
        return Date.now();
      };
      const [sent, changedAt] = await Promise.all([message(), changed()]);
      expect(sent.statusCode, sent.body).toBe(200);
      // A message after a resolve reopens the conversation to the AI, which then answers by design.
      if (sent.json<{ conversation: { status: string } }>().conversation.status === 'bot' && round % 2 === 1) continue;
      const replies = await settledReplies(conversation.id);
      for (const reply of replies) {
        const completedAt = reply.completed_at ? new Date(reply.completed_at).getTime() : 0;
        const isCompleteAnswer = reply.status === 'complete' && reply.finish_reason !== 'stopped';
        if (isCompleteAnswer && completedAt > changedAt) {
          late.push(`round ${round} (gap ${gapMs} ms): "${reply.content}" ${completedAt - changedAt} ms after`);
        }
      }
      // What the contact's widget shows: a reply the change cut short is `stopped`, never `complete`.
      const shown = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/conversations/${conversation.id}/messages`,
        headers: visitor.headers,
      });
      const aiShown = shown.json<{ items: { author: string; status: string }[] }>().items.filter(
        (item) => item.author === 'ai',
      );
      const cutShort = replies.filter((reply) => reply.finish_reason === 'stopped').length;
      expect(aiShown.filter((item) => item.status === 'stopped')).toHaveLength(cutShort);
    }
    return late;
  }

  it('an operator’s take, 50 rounds', async () => {
    expect(await race(50, () => operatorDoes('take'))).toEqual([]);
  }, 120_000);

  it('an operator’s resolve, 50 rounds', async () => {
    expect(await race(50, () => operatorDoes('resolve'))).toEqual([]);
  }, 120_000);

  it('the contact asking for a person, 50 rounds', async () => {
    expect(await race(50, contactAsksForPerson)).toEqual([]);
  }, 120_000);
});
