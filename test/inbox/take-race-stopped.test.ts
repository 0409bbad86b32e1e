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
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';
import { createInbox } from '../widget/widget-setup.js';

interface AnnouncedMessage {
  id: string;
  role: string;
  status: string;
  finishReason: string | null;
  content: string;
}

const rounds = 20;
const takeAfterMs = 150;
/** 60 tokens 40 ms apart: 2.4 s of reply, so the take always lands mid-reply. */
const replyTokens = Array.from({ length: 60 }, (_, index) => ` word${index}`);

/**
 * Issue 62: on an API-channel inbox a bridge forwards every `message.created` it hears to the contact.
 * A contact's message, then an operator's take 150 ms later while the AI's reply streams: the reply is
 * cut short, and every view of it says `stopped` — the webhook the bridge hears and the desk the
 * operators read. It was announced `complete` with only its finish reason saying `stopped`, and the
 * bridge sent the half sentence on as the answer. The model is a real-wire fake that streams slowly.
 */
describe('an AI reply stopped by a take on an API-channel inbox', () => {
  let openai: FakeOpenAIServer;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let operator: SignedInUser;
  let inbox: { id: string };
  let bridge: Record<string, string>;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens, tokenDelayMs: 40 });
    receiver = await startWebhookReceiver();
    t = await buildTestApp({ ...fastRetries, OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-take-race-test' });
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Bridge shop');
    operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    inbox = await createInbox(t.app, admin, { name: 'WhatsApp', kind: 'api', agentId: agent.id });
    const webhook = await createWebhook(t.app, admin, { url: receiver.url, eventTypes: ['message.created'] });
    receiver.secret = webhook.secret;
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: operator.headers,
      payload: { name: 'WhatsApp bridge' },
    });
    expect(key.statusCode, key.body).toBe(201);
    bridge = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await openai?.close();
  });

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Every verified `message.created` the bridge heard for one message, in the order they came. */
  const announcedAs = (messageId: string): AnnouncedMessage[] =>
    receiver.received.flatMap((delivery) => {
      const message = delivery.payload?.type === 'message.created' ? delivery.payload.data.message : undefined;
      return (message as AnnouncedMessage | undefined)?.id === messageId ? [message as AnnouncedMessage] : [];
    });
  /** The reply as the desk API shows it, once it is no longer being written. */
  const deskLine = (supportId: string, replyId: string) =>
    eventually(async () => {
      const lines = await t.app.inject({
        method: 'GET',
        url: `/v1/support-conversations/${supportId}/messages`,
        headers: operator.headers,
      });
      expect(lines.statusCode, lines.body).toBe(200);
      const line = lines.json<{ items: { id: string; status?: string }[] }>().items.find((each) => each.id === replyId);
      return line && line.status !== 'streaming' ? line : undefined;
    }, 20_000);

  it(`announces the reply as stopped, never complete, and the desk shows it stopped (${rounds} rounds)`, async () => {
    const replyIds: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const posted = await t.app.inject({
        method: 'POST',
        url: `/v1/inboxes/${inbox.id}/messages`,
        headers: bridge,
        payload: {
          contact: { externalId: `+49 151 ${round}` },
          content: 'Where is my parcel?',
          messageId: `wa-${round}`,
        },
      });
      expect(posted.statusCode, posted.body).toBe(201);
      const { conversation, replyId } = posted.json<{ conversation: { id: string }; replyId: string | null }>();
      expect(replyId, `round ${round}: the AI answers`).not.toBeNull();
      replyIds.push(replyId!);
      await pause(takeAfterMs);
      const taken = await t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${conversation.id}/take`,
        headers: operator.headers,
        payload: {},
      });
      expect(taken.statusCode, taken.body).toBe(200);

      expect(await deskLine(conversation.id, replyId!), `round ${round}: the desk`).toMatchObject({
        status: 'stopped',
      });
      // A stopped reply is announced (webhooks.md: stored replies are), saying what it is.
      const announced = await eventually(async () => {
        const heard = announcedAs(replyId!);
        return heard.length > 0 ? heard : undefined;
      }, 20_000);
      expect(announced, `round ${round}: the webhook`).toEqual([
        expect.objectContaining({ role: 'assistant', status: 'stopped', finishReason: 'stopped' }),
      ]);
      expect(announced[0]!.content.length).toBeLessThan(replyTokens.join('').length);
    }
    // Nothing late: no delivery of any of these replies ever said `complete`.
    await pause(500);
    const complete = replyIds.flatMap(announcedAs).filter((message) => message.status === 'complete');
    expect(complete).toEqual([]);
    expect(receiver.received.every((delivery) => delivery.isVerified)).toBe(true);
  }, 180_000);
});
