import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret } from '../../src/platform/secrets.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createWebhook } from './webhook-setup.js';

describe('webhook endpoints (/v1/webhooks)', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    member = await createUser(t.app, admin, 'member');
  }, 120_000);
  afterAll(() => t.close());

  const call = (user: SignedInUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const validBody = { url: 'http://127.0.0.1:9/hooks', eventTypes: ['contact.created'] };

  it('shows the whsec_ signing secret once, at creation, and never in reads or lists', async () => {
    const created = await createWebhook(t.app, admin, { ...validBody, description: 'CRM sync' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created).toMatchObject({
      url: validBody.url,
      eventTypes: ['contact.created'],
      enabled: true,
      disabledReason: null,
    });
    const read = await call(admin, 'GET', `/v1/webhooks/${created.id}`);
    const listed = await call(admin, 'GET', '/v1/webhooks');
    const changed = await call(admin, 'PATCH', `/v1/webhooks/${created.id}`, { enabled: false });
    for (const answer of [read, listed, changed]) {
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.body).not.toContain(created.secret);
      expect(answer.body).not.toContain(created.secret.slice('whsec_'.length));
      expect(answer.body).not.toMatch(/"secret"/);
    }
    expect(listed.json().items.map((item: { id: string }) => item.id)).toContain(created.id);
  });

  it('keeps the secret sealed at rest under the server key', async () => {
    const created = await createWebhook(t.app, admin, validBody);
    const { rows } = await t.database.executeSql('select * from webhook_endpoints where id = $1', [created.id]);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(created.secret.slice('whsec_'.length));
    const [row] = rows as { encrypted_secret: string }[];
    expect(decryptSecret(t.keys.credentialsKey, row!.encrypted_secret)).toBe(created.secret);
  });

  it('rotates the secret: the answer carries a new one, shown that once', async () => {
    const created = await createWebhook(t.app, admin, validBody);
    const rotated = await call(admin, 'POST', `/v1/webhooks/${created.id}/secret`);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret } = rotated.json();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(created.secret);
    expect((await call(admin, 'GET', `/v1/webhooks/${created.id}`)).body).not.toContain(secret);
  });

  it('changes the event types and the enabled flag; enabling again clears a reason', async () => {
    const created = await createWebhook(t.app, admin, validBody);
    const changed = await call(admin, 'PATCH', `/v1/webhooks/${created.id}`, {
      eventTypes: ['message.created', 'document.ready'],
      enabled: false,
    });
    expect(changed.json()).toMatchObject({ eventTypes: ['message.created', 'document.ready'], enabled: false });
    const enabled = await call(admin, 'PATCH', `/v1/webhooks/${created.id}`, { enabled: true });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ ...validBody, url: 'ftp://example.com/x' }, 'url'],
      [{ ...validBody, url: 'not a url' }, 'url'],
      [{ ...validBody, eventTypes: [] }, 'eventTypes'],
      [{ ...validBody, eventTypes: ['order.shipped'] }, 'eventTypes'],
      [{ ...validBody, eventTypes: ['contact.created', 'contact.created'] }, 'eventTypes'],
      [{ ...validBody, secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const response = await call(admin, 'POST', '/v1/webhooks', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.body).toContain(field);
    }
    const created = await createWebhook(t.app, admin, validBody);
    expect((await call(admin, 'PATCH', `/v1/webhooks/${created.id}`, {})).statusCode).toBe(400);
  });

  it('is for tenant admins only', async () => {
    expect((await call(member, 'GET', '/v1/webhooks')).statusCode).toBe(403);
    expect((await call(member, 'POST', '/v1/webhooks', validBody)).statusCode).toBe(403);
  });

  it("answers 404 for another tenant's endpoint, as for one that does not exist", async () => {
    const created = await createWebhook(t.app, admin, validBody);
    const urls: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, object?][] = [
      ['GET', `/v1/webhooks/${created.id}`],
      ['PATCH', `/v1/webhooks/${created.id}`, { enabled: false }],
      ['POST', `/v1/webhooks/${created.id}/secret`],
      ['POST', `/v1/webhooks/${created.id}/test`],
      ['GET', `/v1/webhooks/${created.id}/deliveries`],
      ['POST', `/v1/webhooks/${created.id}/deliveries/${created.id}/redeliver`],
      ['DELETE', `/v1/webhooks/${created.id}`],
    ];
    for (const [method, url, body] of urls) {
      const response = await call(otherAdmin, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call(otherAdmin, 'GET', '/v1/webhooks')).json().items).toEqual([]);
    expect((await call(admin, 'GET', `/v1/webhooks/${created.id}`)).statusCode).toBe(200);
  });

  it('deletes an endpoint', async () => {
    const created = await createWebhook(t.app, admin, validBody);
    expect((await call(admin, 'DELETE', `/v1/webhooks/${created.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `/v1/webhooks/${created.id}`)).statusCode).toBe(404);
  });
});

describe('webhook endpoints without OUTBOUND_ALLOW', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  }, 120_000);
  afterAll(() => t.close());

  it('refuses addresses inside the network, naming OUTBOUND_ALLOW', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://10.1.2.3/hooks',
      'http://169.254.169.254/latest',
      'http://[::1]/x',
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: admin.headers,
        payload: { url, eventTypes: ['contact.created'] },
      });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().detail, url).toContain('OUTBOUND_ALLOW');
    }
  });
});
