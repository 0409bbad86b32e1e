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
import { pngBytes } from '../knowledge/document-fixtures.js';
import { multipartBody } from '../knowledge/knowledge-setup.js';
import { answerTo, openSocket } from '../realtime/realtime-client.js';
import {
  createInbox,
  openEvents,
  sendAsVisitor,
  startConversation,
  startVisitor,
  type WidgetVisitor,
} from './widget-setup.js';

const imageMaxBytes = 4096;
const perMinute = 25;

describe('widget images, texts per inbox, typing and "seen" both ways', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let address: string;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let aiInbox: { id: string };
  let humanInbox: { id: string };
  let otherInbox: { id: string };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-server-secret-0123456789',
      WIDGET_IMAGE_MAX_BYTES: String(imageMaxBytes),
      WIDGET_RATE_LIMIT_PER_MINUTE: String(perMinute),
    });
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, { name: 'Desk', model: 'openai:gpt-4o-mini', visibility: 'tenant' });
    aiInbox = await createInbox(t.app, admin, { agentId: agent.id, handoff: { onAiFailure: 'stay' } });
    humanInbox = await createInbox(t.app, admin, { name: 'People only' });
    otherInbox = await createInbox(t.app, otherAdmin, { name: 'Theirs' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  const sendImage = (visitor: WidgetVisitor, conversationId: string, bytes: Buffer, filename = 'photo.png') => {
    const body = multipartBody(bytes, { filename, contentType: 'image/png' });
    return t.app.inject({
      method: 'POST',
      url: `/v1/widget/conversations/${conversationId}/images`,
      headers: { ...visitor.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const getImage = (visitor: WidgetVisitor, conversationId: string, fileId: string) =>
    t.app.inject({
      method: 'GET',
      url: `/v1/widget/conversations/${conversationId}/images/${fileId}`,
      headers: visitor.headers,
    });
  /** The chat conversation behind a support conversation, as operators find it. */
  const chatOf = async (supportId: string): Promise<string> => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/support-conversations/${supportId}`,
      headers: operator.headers,
    });
    return response.json<{ conversationId: string }>().conversationId;
  };

  describe('images', () => {
    it('stores the image as a chat attachment, gives it to the AI as an image part, and shows it to both sides', async () => {
      openai.respondWith({ replyTokens: ['A nice', ' parcel.'] });
      const visitor = await startVisitor(t.app, aiInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const sent = await sendImage(visitor, conversation.id, pngBytes);
      expect(sent.statusCode, sent.body).toBe(200);
      const { message, replyId } = sent.json<{
        message: { author: string; images: { fileId: string; mediaType: string }[] };
        replyId: string | null;
      }>();
      expect(message).toMatchObject({ author: 'contact', images: [{ mediaType: 'image/png' }] });
      expect(replyId).toEqual(expect.any(String));
      const fileId = message.images[0]!.fileId;

      const reply = await eventually(async () => {
        const listed = await t.app.inject({
          method: 'GET',
          url: `/v1/widget/conversations/${conversation.id}/messages`,
          headers: visitor.headers,
        });
        const items = listed.json<{ items: { author: string; status: string; content: string }[] }>().items;
        return items.find((item) => item.author === 'ai' && item.status !== 'streaming');
      }, 20_000);
      expect(reply.content).toBe('A nice parcel.');
      const body = openai.lastRequest().body as { messages: { role: string; content: unknown }[] };
      expect(body.messages.at(-1)).toEqual({
        role: 'user',
        content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${pngBytes.toString('base64')}` } }],
      });

      const own = await getImage(visitor, conversation.id, fileId);
      expect(own.statusCode).toBe(200);
      expect(own.headers['content-type']).toBe('image/png');
      expect(own.rawPayload.equals(pngBytes)).toBe(true);

      const listed = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/conversations/${conversation.id}/messages`,
        headers: visitor.headers,
      });
      expect(listed.json().items[0]).toMatchObject({ author: 'contact', images: [{ fileId }] });

      const desk = await t.app.inject({
        method: 'GET',
        url: `/v1/support-conversations/${conversation.id}/messages`,
        headers: operator.headers,
      });
      expect(desk.json().items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ role: 'contact', images: [{ fileId, filename: 'photo.png', mediaType: 'image/png' }] }),
        ]),
      );
      const content = await t.app.inject({ method: 'GET', url: `/v1/files/${fileId}/content`, headers: operator.headers });
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(pngBytes)).toBe(true);
    });

    it("answers 404 for another visitor's image, another inbox's or tenant's, and a file that is no image of the conversation", async () => {
      const owner = await startVisitor(t.app, humanInbox.id);
      const conversation = await startConversation(t.app, owner);
      const sent = await sendImage(owner, conversation.id, pngBytes);
      expect(sent.statusCode, sent.body).toBe(200);
      const fileId = sent.json<{ message: { images: { fileId: string }[] } }>().message.images[0]!.fileId;

      const stranger = await startVisitor(t.app, humanInbox.id);
      const theirs = await startConversation(t.app, stranger);
      expect((await getImage(stranger, conversation.id, fileId)).statusCode).toBe(404);
      // Their own conversation, someone else's file: still nothing.
      expect((await getImage(stranger, theirs.id, fileId)).statusCode).toBe(404);
      const otherTenantVisitor = await startVisitor(t.app, otherInbox.id);
      expect((await getImage(otherTenantVisitor, conversation.id, fileId)).statusCode).toBe(404);
      const otherTenantFile = await t.app.inject({
        method: 'GET',
        url: `/v1/files/${fileId}/content`,
        headers: otherAdmin.headers,
      });
      expect(otherTenantFile.statusCode).toBe(404);
      // And nobody sends an image into a conversation not theirs.
      expect((await sendImage(stranger, conversation.id, pngBytes)).statusCode).toBe(404);
    });

    it('refuses a file that is not an image (415) and one over WIDGET_IMAGE_MAX_BYTES (413), storing nothing', async () => {
      const visitor = await startVisitor(t.app, humanInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const text = await sendImage(visitor, conversation.id, Buffer.from('just words, not a picture\n'), 'note.png');
      expect(text.statusCode).toBe(415);
      expect(text.json().detail).toMatch(/not an image; send a PNG, JPEG, WebP or GIF/);
      const large = Buffer.concat([pngBytes, Buffer.alloc(imageMaxBytes, 0)]);
      const tooLarge = await sendImage(visitor, conversation.id, large);
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json().detail).toMatch(/larger than/);
      const listed = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/conversations/${conversation.id}/messages`,
        headers: visitor.headers,
      });
      expect(listed.json().items).toEqual([]);
    });

    it("counts images against the contact's rate limit", async () => {
      const visitor = await startVisitor(t.app, humanInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < perMinute + 1; attempt += 1) {
        statuses.push((await sendImage(visitor, conversation.id, pngBytes)).statusCode);
      }
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
      expect(statuses.at(-1)).toBe(429);
    });
  });

  describe("the widget's texts per inbox", () => {
    const patchTexts = (inboxId: string, texts: unknown) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/inboxes/${inboxId}`,
        headers: admin.headers,
        payload: { widget: { texts } },
      });

    it('refuses an unknown key, naming it, and a text too long or empty', async () => {
      const unknown = await patchTexts(humanInbox.id, { en: { sendd: 'Go' } });
      expect(unknown.statusCode).toBe(400);
      expect(JSON.stringify(unknown.json())).toContain('widget.texts.en.sendd');
      expect(unknown.json().detail).toMatch(/is not a widget text/);
      const long = await patchTexts(humanInbox.id, { zh: { send: 'x'.repeat(301) } });
      expect(long.statusCode).toBe(400);
      expect(JSON.stringify(long.json())).toContain('widget.texts.zh.send');
      expect((await patchTexts(humanInbox.id, { en: { send: '  ' } })).statusCode).toBe(400);
      expect((await patchTexts(humanInbox.id, { fr: { send: 'Envoyer' } })).statusCode).toBe(400);
    });

    it('serves the overrides to the panel, per language, and replaces them on PATCH', async () => {
      const texts = { en: { send: 'Go', talkToPerson: 'A human, please' }, zh: { send: '发' } };
      const changed = await patchTexts(humanInbox.id, texts);
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json().widget.texts).toEqual(texts);
      const panel = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/inboxes/${humanInbox.id}`,
        headers: { origin: 'https://shop.example' },
      });
      expect(panel.json().texts).toEqual(texts);
      await patchTexts(humanInbox.id, { zh: { send: '发送吧' } });
      const again = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/inboxes/${humanInbox.id}`,
        headers: { origin: 'https://shop.example' },
      });
      expect(again.json().texts).toEqual({ zh: { send: '发送吧' } });
    });
  });

  describe("the console's assign picker and user list", () => {
    it('lets an operator list operators and assign with them; the desk user is in neither list', async () => {
      const visitor = await startVisitor(t.app, humanInbox.id);
      const conversation = await startConversation(t.app, visitor);
      await sendAsVisitor(t.app, visitor, conversation.id, 'Hello?');
      const operators = await t.app.inject({ method: 'GET', url: '/v1/operators', headers: operator.headers });
      expect(operators.statusCode).toBe(200);
      const listed = operators.json<{ items: { id: string; name: string }[] }>().items;
      expect(listed.map((item) => item.id).sort()).toEqual([admin.userId, operator.userId].sort());
      expect((await t.app.inject({ method: 'GET', url: '/v1/users', headers: operator.headers })).statusCode).toBe(403);
      const users = await t.app.inject({ method: 'GET', url: '/v1/users?limit=100', headers: admin.headers });
      const emails = users.json<{ items: { email: string }[] }>().items.map((user) => user.email);
      expect(emails.length).toBeGreaterThanOrEqual(2);
      expect(emails.some((email) => email.startsWith('support-desk@'))).toBe(false);
      const assigned = await t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${conversation.id}/assign`,
        headers: operator.headers,
        payload: { operatorId: admin.userId },
      });
      expect(assigned.statusCode, assigned.body).toBe(200);
      expect(assigned.json().assigneeId).toBe(admin.userId);
    });
  });

  describe('typing and seen', () => {
    it("refuses typing for a conversation not the visitor's (404) and rate-limits it on its own budget", async () => {
      const visitor = await startVisitor(t.app, humanInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const stranger = await startVisitor(t.app, humanInbox.id);
      const typing = (who: WidgetVisitor) =>
        t.app.inject({
          method: 'POST',
          url: `/v1/widget/conversations/${conversation.id}/typing`,
          headers: who.headers,
        });
      expect((await typing(stranger)).statusCode).toBe(404);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < perMinute + 1; attempt += 1) statuses.push((await typing(visitor)).statusCode);
      expect(statuses.slice(0, perMinute).every((status) => status === 204)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      // Messages keep their own budget.
      expect((await sendAsVisitor(t.app, visitor, conversation.id, 'Still here')).statusCode).toBe(200);
    });
    it('relays typing and reads between the visitor and the operators watching, and to nobody else', async () => {
      const visitor = await startVisitor(t.app, humanInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const written = await sendAsVisitor(t.app, visitor, conversation.id, 'Is anyone there?');
      const contactMessageId = written.json<{ message: { id: string } }>().message.id;
      const chatId = await chatOf(conversation.id);

      // Another visitor's conversation is watched too: nothing of this one may reach it.
      const bystander = await startVisitor(t.app, humanInbox.id);
      const bystanderConversation = await startConversation(t.app, bystander);
      const bystanderEvents = await openEvents(address, bystander, bystanderConversation.id);
      const events = await openEvents(address, visitor, conversation.id);
      const watcher = await openSocket(address, { headers: operator.headers });
      const foreign = await openSocket(address, { headers: otherAdmin.headers });
      try {
        watcher.send({ type: 'subscribe', id: 's1', conversationId: chatId });
        expect((await answerTo(watcher, 's1')).type).toBe('subscribed');
        foreign.send({ type: 'subscribe', id: 's2', conversationId: chatId });
        expect((await answerTo(foreign, 's2')).type).toBe('error');

        // The visitor types: the operator sees it, as the contact.
        const typing = await t.app.inject({
          method: 'POST',
          url: `/v1/widget/conversations/${conversation.id}/typing`,
          headers: visitor.headers,
        });
        expect(typing.statusCode).toBe(204);
        expect(await watcher.next((frame) => frame.type === 'typing')).toMatchObject({
          conversationId: chatId,
          userId: visitor.contactId,
        });

        // The operator types: the widget shows their name.
        watcher.send({ type: 'typing', id: 't1', conversationId: chatId });
        await events.until((seen) => seen.some((event) => event.type === 'typing'));
        const shown = events.events.find((event) => event.type === 'typing');
        expect(shown?.name).toEqual(expect.any(String));
        // Its own typing never comes back to the visitor: the one typing event is the operator's.
        expect(events.events.filter((event) => event.type === 'typing')).toHaveLength(1);

        // The operator reads the contact's message: the widget hears it, and the message says when.
        const read = await t.app.inject({
          method: 'POST',
          url: `/v1/conversations/${chatId}/read`,
          headers: operator.headers,
          payload: { upToMessageId: contactMessageId },
        });
        expect(read.statusCode, read.body).toBe(200);
        await events.until((seen) => seen.some((event) => event.type === 'read'));
        expect(events.events.find((event) => event.type === 'read')).toMatchObject({
          reader: 'operator',
          readThroughMessageId: contactMessageId,
        });

        // The operator replies; the visitor reads it: the operator's socket hears a read by the owner side.
        const reply = await t.app.inject({
          method: 'POST',
          url: `/v1/support-conversations/${conversation.id}/messages`,
          headers: operator.headers,
          payload: { content: 'Yes, I am here.' },
        });
        expect(reply.statusCode, reply.body).toBe(201);
        const replyId = reply.json<{ id: string }>().id;
        const seen = await t.app.inject({
          method: 'POST',
          url: `/v1/widget/conversations/${conversation.id}/read`,
          headers: visitor.headers,
          payload: { upToMessageId: replyId },
        });
        expect(seen.statusCode, seen.body).toBe(200);
        expect(seen.json()).toMatchObject({ readThroughMessageId: replyId });
        expect(await watcher.next((frame) => frame.type === 'read' && frame.side === 'owner')).toMatchObject({
          conversationId: chatId,
          side: 'owner',
          readThroughMessageId: replyId,
        });
        const desk = await t.app.inject({
          method: 'GET',
          url: `/v1/support-conversations/${conversation.id}/messages`,
          headers: operator.headers,
        });
        const lines = desk.json<{ items: { id: string; readAt?: string | null }[] }>().items;
        expect(lines.find((line) => line.id === replyId)?.readAt).toEqual(expect.any(String));
        expect(lines.find((line) => line.id === contactMessageId)?.readAt).toEqual(expect.any(String));

        // A message of another conversation is not the visitor's to mark read.
        const elsewhere = await t.app.inject({
          method: 'POST',
          url: `/v1/widget/conversations/${bystanderConversation.id}/read`,
          headers: bystander.headers,
          payload: { upToMessageId: replyId },
        });
        expect(elsewhere.statusCode).toBe(404);
        expect(elsewhere.body).not.toContain(chatId);
        expect(
          bystanderEvents.events.filter((event) => event.type === 'typing' || event.type === 'read'),
        ).toEqual([]);
        expect(foreign.frames.filter((frame) => frame.type === 'typing' || frame.type === 'read')).toEqual([]);
      } finally {
        // Sockets first, then the streams: the order a closing server was seen to need (see the report).
        await watcher.close();
        await foreign.close();
        await events.close();
        await bystanderEvents.close();
      }
    });

  });
});
