import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

interface SentMessage {
  readonly role: string;
  readonly content: string;
}

function sentMessages(body: unknown): SentMessage[] {
  const { messages } = body as { messages: { role: string; content: unknown }[] };
  return messages.map((message) => ({
    role: message.role,
    content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
  }));
}

/**
 * Issue 64: with CHAT_HISTORY_MAX_TOKENS=500 and a summary every 4 turns, 7 of 16 turns lacked earlier
 * messages (turn 7: the summary of turns 1–4, the window from turn 6, and "Some messages … are not
 * shown: they did not fit"). A turn now bridges the messages between the summary's end and the window,
 * one line each, without a model call (history-window.ts). Every message carries a codeword in its first
 * sentence; the fake provider records each request, and every turn's request is checked for every
 * earlier codeword: in the window, the summary or the bridge.
 */
describe('a prompt cut by tokens', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-continuity-tokens-test',
      CHAT_HISTORY_MAX_TOKENS: '500',
    });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  }, 120_000);

  const code = (prefix: string, turn: number) => `${prefix}${String(turn).padStart(2, '0')}`;
  /** About 110 tokens after the first sentence: four messages fill the 500 tokens of history. */
  const tail = ' More words follow here'.repeat(25);

  const summaryReachesLastReply = (conversationId: string) =>
    eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select exists (select 1 from conversation_summaries s where s.conversation_id = $1
           and s.last_message_id = (select m.id from messages m where m.conversation_id = $1
             and m.role = 'assistant' and m.status = 'complete' order by m.id desc limit 1)) as reached`,
        [conversationId],
      );
      return (rows[0] as { reached: boolean }).reached ? true : undefined;
    }, 30_000);

  it('keeps every earlier message in the window, the summary or the bridge over 16 turns, never a "not shown" line', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Bridged',
      model: 'openai:gpt-4o-mini',
      instructions: 'Be brief.',
      companion: { summaryEveryTurns: 4, utilityModel: 'offline' },
    });
    const conversation = await createConversation(t.app, admin, agent.id);
    const earlier: string[] = [];
    let bridged = 0;
    let summarised = 0;
    for (let number = 1; number <= 16; number += 1) {
      const reply = `Reply ${code('R', number)}.${tail}`;
      openai.respondWith({ replyTokens: [reply.slice(0, 6), reply.slice(6)] });
      const requestsBefore = openai.requests.length;
      const response = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, accept: 'application/json' },
        payload: { content: `Codeword ${code('U', number)}.${tail}` },
      });
      expect(response.statusCode, response.body).toBe(201);
      // The turn's request, among the others of the turn (a title's).
      const turnRequests = openai.requests
        .slice(requestsBefore)
        .map((request) => sentMessages(request.body))
        .filter((messages) => messages.at(-1)?.content.startsWith(`Codeword ${code('U', number)}.`));
      expect(turnRequests).toHaveLength(1);
      const sent = turnRequests[0]!;
      const system = sent.find((message) => message.role === 'system')?.content ?? '';
      const whole = sent.map((message) => message.content).join('\n');
      const missing = earlier.filter((codeword) => !whole.includes(`${codeword}.`));
      expect(missing, `turn ${number} is missing ${missing.join(', ')}:\n${system}`).toEqual([]);
      expect(whole, `turn ${number}`).not.toContain('not shown: they did not fit');
      expect(sent.at(-1)!.content).toContain(`Codeword ${code('U', number)}.`);
      if (system.includes('Summary of the earlier conversation')) summarised += 1;
      if (system.includes('the first sentence of each message')) bridged += 1;
      earlier.push(code('U', number), code('R', number));
      if (number % 4 === 0) await summaryReachesLastReply(conversation.id);
    }
    // The history was cut by tokens, and both the summary and the bridge were needed to keep it whole.
    expect(summarised).toBeGreaterThanOrEqual(10);
    expect(bridged).toBeGreaterThanOrEqual(7);
  }, 180_000);
});
