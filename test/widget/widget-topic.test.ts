import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from './widget-setup.js';

interface QueueItem {
  id: string;
  summary: string | null;
}

/**
 * A human-only inbox's conversation waits for a person from its start, before the visitor wrote: the
 * widget asks what it is about, and the first message is what the operators' queue shows of it.
 */
describe("a human-only inbox's queue shows what the visitor wants", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let humanInbox: { id: string };

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'People shop');
    operator = await createUser(t.app, admin, 'operator');
    humanInbox = await createInbox(t.app, admin, {
      name: 'People only',
      widget: { texts: { en: { askTopic: 'Which order is it about?' } } },
    });
  }, 120_000);
  afterAll(() => t?.close());

  const queueItem = async (id: string): Promise<QueueItem | undefined> => {
    const answer = await t.app.inject({
      method: 'GET',
      url: '/v1/support-conversations?view=unassigned',
      headers: operator.headers,
    });
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json<{ items: QueueItem[] }>().items.find((item) => item.id === id);
  };

  it('takes the first message as the summary, at once after the conversation starts, and keeps it', async () => {
    const visitor = await startVisitor(t.app, humanInbox.id);
    const conversation = await startConversation(t.app, visitor);
    expect(conversation.status).toBe('pending');
    // Sent straight away: the notice of the new waiting conversation may still be on its way.
    const first = await sendAsVisitor(t.app, visitor, conversation.id, 'I was charged twice for order 1234');
    expect(first.statusCode, first.body).toBe(200);
    await eventually(async () =>
      expect((await queueItem(conversation.id))?.summary).toBe('I was charged twice for order 1234'),
    );
    await sendAsVisitor(t.app, visitor, conversation.id, 'Also, can I change the address?');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await queueItem(conversation.id))?.summary).toBe('I was charged twice for order 1234');
  });

  it("serves the inbox's own wording of the question to the widget", async () => {
    const inbox = await t.app.inject({
      method: 'GET',
      url: `/v1/widget/inboxes/${humanInbox.id}`,
      headers: { origin: 'https://shop.example' },
    });
    expect(inbox.json()).toMatchObject({ hasAgent: false, texts: { en: { askTopic: 'Which order is it about?' } } });
  });
});
