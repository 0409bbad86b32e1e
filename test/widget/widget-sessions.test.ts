import { eq } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signExternalId } from '../../src/modules/inbox/inboxes/identity-verification.js';
import { contactTokens } from '../../src/platform/db/schema/index.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createInbox, siteOrigin, startConversation, startVisitor } from './widget-setup.js';

describe('widget sessions: contact tokens, origins, identity verification, rate limits', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let inbox: { id: string; signingSecret: string };
  let otherInbox: { id: string; signingSecret: string };

  beforeAll(async () => {
    t = await buildTestApp({ WIDGET_RATE_LIMIT_PER_MINUTE: '8' });
    // The per-address budget of 8 a minute is counted in the shared Redis on PostgreSQL, where other
    // files' visitors from 127.0.0.1 spend it too: this file's requests come from an address of its own.
    const address = nextTestAddress();
    const inject = t.app.inject.bind(t.app);
    t.app.inject = ((options: InjectOptions) => inject({ remoteAddress: address, ...options })) as typeof t.app.inject;
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    inbox = await createInbox(t.app, admin);
    otherInbox = await createInbox(t.app, otherAdmin);
  }, 120_000);
  afterAll(() => t?.close());

  it('gives the public settings of an inbox to its allowed site, and refuses others with a sentence', async () => {
    const ok = await t.app.inject({
      method: 'GET',
      url: `/v1/widget/inboxes/${inbox.id}`,
      headers: { origin: siteOrigin },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: inbox.id, title: 'Website', isOpenNow: true, hasAgent: false });
    expect(ok.body).not.toContain('signingSecret');
    expect(ok.headers['access-control-allow-origin']).toBe(siteOrigin);
    const forbidden = await t.app.inject({
      method: 'GET',
      url: `/v1/widget/inboxes/${inbox.id}`,
      headers: { origin: 'https://evil.example' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().detail).toContain('https://evil.example');
    const missing = await t.app.inject({ method: 'GET', url: `/v1/widget/inboxes/${inbox.id}` });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().detail).toContain('Origin');
    const session = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/inboxes/${inbox.id}/sessions`,
      headers: { origin: 'https://evil.example' },
      payload: {},
    });
    expect(session.statusCode).toBe(403);
  });

  it('serves the loader, and the panel page framable only by the inbox’s allowed sites', async () => {
    const loader = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(loader.statusCode).toBe(200);
    expect(loader.headers['content-type']).toContain('javascript');
    expect(loader.body).toContain('data-inbox');
    const panel = await t.app.inject({ method: 'GET', url: `/widget/panel?inbox=${inbox.id}` });
    expect(panel.statusCode).toBe(200);
    const policy = String(panel.headers['content-security-policy']);
    expect(policy).toContain(`frame-ancestors 'self' ${siteOrigin}`);
    expect(policy).toContain("script-src 'self'");
    expect(panel.body).toContain('/widget/panel.js');
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/widget/panel?inbox=00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('answers the preflight of any site for the widget routes only', async () => {
    const preflight = (url: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin: 'https://shop.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const widget = await preflight('/v1/widget/conversations');
    expect(widget.statusCode).toBe(204);
    expect(widget.headers['access-control-allow-origin']).toBe('https://shop.example');
    const console = await preflight('/v1/conversations');
    expect(console.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('stores the token hashed, and a returning token is the same contact', async () => {
    const visitor = await startVisitor(t.app, inbox.id);
    expect(visitor.contactToken).toMatch(/^pct_[A-Za-z0-9_-]{43}$/);
    const rows = await t.database.db.select().from(contactTokens).where(eq(contactTokens.contactId, visitor.contactId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(visitor.contactToken);
    const again = await startVisitor(t.app, inbox.id, { contactToken: visitor.contactToken });
    expect(again.contactId).toBe(visitor.contactId);
    const stranger = await startVisitor(t.app, inbox.id, { contactToken: 'pct_made-up' });
    expect(stranger.contactId).not.toBe(visitor.contactId);
    // Another inbox's token starts a new contact there rather than crossing over.
    const elsewhere = await startVisitor(t.app, otherInbox.id, { contactToken: visitor.contactToken });
    expect(elsewhere.contactId).not.toBe(visitor.contactId);
  });

  it('tells operators what the widget knows of a visitor, with a readable name until a real one is known', async () => {
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const started = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/inboxes/${inbox.id}/sessions`,
      headers: { origin: siteOrigin, 'user-agent': chrome },
      payload: {
        visitor: {
          page: `${siteOrigin}/shoes/red`,
          referrer: 'https://search.example/',
          language: 'de-DE',
          timeZone: 'Europe/Berlin',
        },
      },
    });
    expect(started.statusCode, started.body).toBe(201);
    const { contactId } = started.json<{ contactId: string }>();
    const contact = (await t.app.inject({ url: `/v1/contacts/${contactId}`, headers: admin.headers })).json<{
      displayName: string;
      visitor: Record<string, unknown>;
    }>();
    expect(contact.visitor).toMatchObject({
      page: `${siteOrigin}/shoes/red`,
      referrer: 'https://search.example/',
      language: 'de-DE',
      timeZone: 'Europe/Berlin',
      browser: 'Chrome 131 on Windows',
      isVerified: false,
    });
    expect(contact.displayName).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ [1-9]\d$/);
    // The same contact has the same name on every read (visitor-names.test.ts: visitors are told apart).
    const again = (await t.app.inject({ url: `/v1/contacts/${contactId}`, headers: admin.headers })).json<{
      displayName: string;
    }>();
    expect(again.displayName).toBe(contact.displayName);

    const refused = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/inboxes/${inbox.id}/sessions`,
      headers: { origin: siteOrigin },
      payload: { visitor: { page: 'javascript:alert(1)' } },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('http(s) URL');
  });

  it('refuses widget calls without a token, with a made-up one, or from another site', async () => {
    const visitor = await startVisitor(t.app, inbox.id);
    const none = await t.app.inject({
      method: 'GET',
      url: '/v1/widget/conversations',
      headers: { origin: siteOrigin },
    });
    expect(none.statusCode).toBe(401);
    const madeUp = await t.app.inject({
      method: 'GET',
      url: '/v1/widget/conversations',
      headers: { origin: siteOrigin, authorization: 'Bearer pct_made-up' },
    });
    expect(madeUp.statusCode).toBe(401);
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: '/v1/widget/conversations',
      headers: { ...visitor.headers, origin: 'https://evil.example' },
    });
    expect(elsewhere.statusCode).toBe(403);
  });

  it('a signed id is the same verified contact on any device; forged, unsigned or another inbox’s signature is refused', async () => {
    const identifier = 'user-42';
    const signed = { identifier, identifierHash: signExternalId(inbox.signingSecret, identifier) };
    const laptop = await startVisitor(t.app, inbox.id, signed);
    const phone = await startVisitor(t.app, inbox.id, signed);
    expect(phone.contactId).toBe(laptop.contactId);
    const conversation = await startConversation(t.app, laptop);
    const onPhone = await t.app.inject({ method: 'GET', url: '/v1/widget/conversations', headers: phone.headers });
    expect(onPhone.json().items.map((item: { id: string }) => item.id)).toContain(conversation.id);

    const start = (body: object) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/widget/inboxes/${inbox.id}/sessions`,
        headers: { origin: siteOrigin },
        payload: body,
      });
    const forged = await start({ identifier, identifierHash: 'ab'.repeat(32) });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().detail).toContain('signature');
    expect((await start({ identifier })).statusCode).toBe(403);
    const wrongInbox = await start({
      identifier,
      identifierHash: signExternalId(otherInbox.signingSecret, identifier),
    });
    expect(wrongInbox.statusCode).toBe(403);
    // An anonymous token never turns into the verified contact.
    const anonymous = await startVisitor(t.app, inbox.id);
    const resumed = await startVisitor(t.app, inbox.id, { contactToken: anonymous.contactToken });
    expect(resumed.contactId).not.toBe(laptop.contactId);
  });

  it('limits each contact per minute, with 429 and a sentence', async () => {
    const visitor = await startVisitor(t.app, inbox.id);
    const statuses: number[] = [];
    for (let index = 0; index < 10; index += 1) {
      statuses.push(
        (await t.app.inject({ method: 'GET', url: '/v1/widget/conversations', headers: visitor.headers })).statusCode,
      );
    }
    expect(statuses.slice(0, 8).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another visitor from the same address still has a budget of their own.
    const neighbour = await startVisitor(t.app, inbox.id);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/widget/conversations', headers: neighbour.headers })).statusCode,
    ).toBe(200);
  });

  it('limits each address, sessions included', async () => {
    const address = '203.0.113.9';
    const statuses: number[] = [];
    for (let index = 0; index < 82; index += 1) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/inboxes/${inbox.id}`,
        headers: { origin: siteOrigin },
        remoteAddress: address,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(429);
  });
});
