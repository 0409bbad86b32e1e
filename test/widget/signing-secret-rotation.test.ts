import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signExternalId } from '../../src/modules/inbox/inboxes/identity-verification.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createInbox, openEvents, startConversation, startVisitor, type WidgetVisitor } from './widget-setup.js';

/**
 * Rotating an inbox's signing secret answers a leaked one: the sessions the old secret verified end
 * with it (their tokens are refused, their live streams close at the next status poll, 2 s), and the old signature opens no new
 * one. Anonymous sessions, which no secret vouched for, keep going.
 */
describe("rotating an inbox's signing secret", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp({ WIDGET_RATE_LIMIT_PER_MINUTE: '100000' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Shop');
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(() => t?.close());

  const listConversations = (visitor: WidgetVisitor) =>
    t.app.inject({ method: 'GET', url: '/v1/widget/conversations', headers: visitor.headers });

  it('ends the verified sessions and their streams, keeps the anonymous ones, and refuses the old signature', async () => {
    const inbox = await createInbox(t.app, admin);
    const identifier = 'customer-77';
    const oldSignature = { identifier, identifierHash: signExternalId(inbox.signingSecret, identifier) };
    const verified = await startVisitor(t.app, inbox.id, oldSignature);
    const anonymous = await startVisitor(t.app, inbox.id);
    const conversation = await startConversation(t.app, verified);
    const stream = await openEvents(address, verified, conversation.id);
    await stream.until((events) => events.some((event) => event.type === 'status'));

    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${inbox.id}/signing-secret`,
      headers: admin.headers,
    });
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json<{ signingSecret: string }>().signingSecret;

    const refused = await listConversations(verified);
    expect(refused.statusCode).toBe(401);
    expect(refused.json<{ detail: string }>().detail).toContain('contact token');
    await expect(stream.until(() => false)).rejects.toThrow('stream ended');
    expect((await listConversations(anonymous)).statusCode).toBe(200);

    const withOld = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/inboxes/${inbox.id}/sessions`,
      headers: verified.headers,
      payload: oldSignature,
    });
    expect(withOld.statusCode).toBe(403);
    const again = await startVisitor(t.app, inbox.id, {
      identifier,
      identifierHash: signExternalId(newSecret, identifier),
    });
    // Re-verified: the same contact, whose conversation is still theirs.
    expect(again.contactId).toBe(verified.contactId);
    const theirs = await listConversations(again);
    expect(theirs.json<{ items: { id: string }[] }>().items.map((item) => item.id)).toContain(conversation.id);
    await stream.close();
  });

  it("leaves another inbox's verified sessions alone", async () => {
    const rotatedInbox = await createInbox(t.app, admin);
    const otherInbox = await createInbox(t.app, admin);
    const identifier = 'customer-78';
    const elsewhere = await startVisitor(t.app, otherInbox.id, {
      identifier,
      identifierHash: signExternalId(otherInbox.signingSecret, identifier),
    });
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${rotatedInbox.id}/signing-secret`,
      headers: admin.headers,
    });
    expect(rotated.statusCode).toBe(200);
    expect((await listConversations(elsewhere)).statusCode).toBe(200);
  });
});
