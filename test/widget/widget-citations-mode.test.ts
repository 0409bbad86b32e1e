import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import { createInbox, openEvents, sendAsVisitor, startConversation, startVisitor } from './widget-setup.js';

interface WidgetMessage {
  author: string;
  content: string;
  status: string;
  sources: string[];
}

const faq =
  '# Returns\n\nParcels can be returned within 30 days of delivery. Print the label from your account page.\n';
const question = 'How many days do I have to return a parcel?';

/** An inbox's `citations`: the cited sources' titles under an AI reply, or none; markers out either way. */
describe("an inbox's citations setting in the widget", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let address: string;
  const inboxIds: Record<'titles' | 'strip', string> = { titles: '', strip: '' };

  beforeAll(async () => {
    t = await buildTestApp();
    address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Cited shop');
    const sourceId = (await createSource(t.app, admin, { name: 'FAQ' })).id;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from(faq), { filename: 'returns.md' });
    expect((await waitForDocument(t.app, admin, sourceId, document.id)).status).toBe('ready');
    const agent = await createAgent(t.app, admin, {
      name: 'FAQ bot',
      model: 'offline',
      visibility: 'tenant',
      knowledgeSourceIds: [sourceId],
    });
    inboxIds.titles = (await createInbox(t.app, admin, { agentId: agent.id })).id;
    const strip = await createInbox(t.app, admin, { agentId: agent.id, name: 'Plain', citations: 'strip' });
    expect(strip).toMatchObject({ citations: 'strip' });
    inboxIds.strip = strip.id;
  }, 120_000);
  afterAll(() => t?.close());

  async function askAndRead(mode: 'titles' | 'strip') {
    const visitor = await startVisitor(t.app, inboxIds[mode]);
    const conversation = await startConversation(t.app, visitor);
    const live = await openEvents(address, visitor, conversation.id);
    try {
      expect((await sendAsVisitor(t.app, visitor, conversation.id, question)).statusCode).toBe(200);
      const isFinished = (event: { type: string; message?: { author: string; status: string } }) =>
        event.type === 'message' && event.message?.author === 'ai' && event.message.status === 'complete';
      await live.until((events) => events.some(isFinished));
      const streamed = live.events.find(isFinished)!.message as unknown as WidgetMessage;
      const history = await eventually(async () => {
        const answer = await t.app.inject({
          method: 'GET',
          url: `/v1/widget/conversations/${conversation.id}/messages`,
          headers: visitor.headers,
        });
        return answer.json<{ items: WidgetMessage[] }>().items.find((item) => item.author === 'ai');
      });
      return { streamed, history };
    } finally {
      await live.close();
    }
  }

  it('titles (the default): markers out, the cited source listed, in the stream and the history', async () => {
    const { streamed, history } = await askAndRead('titles');
    for (const reply of [streamed, history]) {
      expect(reply.content).toContain('30 days');
      expect(reply.content).not.toMatch(/\[\d/);
      expect(reply.sources).toEqual(['returns.md']);
    }
  });

  it('strip: markers out and no source, in the stream and the history', async () => {
    const { streamed, history } = await askAndRead('strip');
    for (const reply of [streamed, history]) {
      expect(reply.content).toContain('30 days');
      expect(reply.content).not.toMatch(/\[\d/);
      expect(reply.sources).toEqual([]);
    }
  });

  it('is set and changed on the inbox, and refuses an unknown value with a sentence', async () => {
    const changed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/inboxes/${inboxIds.strip}`,
      headers: admin.headers,
      payload: { citations: 'titles' },
    });
    expect(changed.json()).toMatchObject({ citations: 'titles' });
    const refused = await t.app.inject({
      method: 'PATCH',
      url: `/v1/inboxes/${inboxIds.strip}`,
      headers: admin.headers,
      payload: { citations: 'footnotes' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ detail: string }>().detail).toContain('citations');
  });
});
