import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createUser, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

const freshAddress = () => `10.${Math.floor(Math.random() * 250)}.1.${Math.floor(Math.random() * 250)}`;

describe('HTTP edges', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '100000', BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => t.close());

  it('answers malformed JSON with a 400 problem that says so', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'malformed_request', detail: 'The request body is not valid JSON' });
  });

  it('takes a DELETE whose client sent a JSON content type and no body, and still refuses an empty POST', async () => {
    const register = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: `delete-${Date.now()}@example.test`, password: 'a long enough password' },
    });
    expect(register.statusCode, register.body).toBe(201);
    const headers = { authorization: `Bearer ${register.json().accessToken}`, 'content-type': 'application/json' };
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers,
      payload: { name: 'Short-lived' },
    });
    expect(created.statusCode, created.body).toBe(201);

    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/projects/${created.json().id}`, headers });
    expect(deleted.statusCode, deleted.body).toBe(204);

    const emptyPost = await t.app.inject({ method: 'POST', url: '/v1/projects', headers, payload: '' });
    expect(emptyPost.statusCode).toBe(400);
    expect(emptyPost.json()).toMatchObject({ detail: 'The request body is empty; send a JSON object' });
  });

  it('names a __proto__ or constructor.prototype key when it refuses a body for one', async () => {
    for (const payload of [
      '{"email":"a@example.test","__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{}}}',
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'malformed_request' });
      expect(response.json().detail).toContain('__proto__');
    }
  });

  it('answers an oversized body with 413', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'a@example.test', password: 'x'.repeat(5000) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      code: 'payload_too_large',
      detail: 'The request body is larger than this server accepts (2 KB, BODY_LIMIT_BYTES)',
    });
  });

  it('lists each invalid field and refuses unknown fields', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'not-an-email', password: 'short', isAdmin: true },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('validation_failed');
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
    expect(JSON.stringify(body)).toContain('isAdmin');
  });

  it('answers wrong types and unsupported media types with 4xx, never 5xx', async () => {
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 42, password: [] },
    });
    expect(wrongType.statusCode).toBe(400);
    const text = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    // JSON in another charset was read as UTF-8 and stored garbled; UTF-8 said aloud is fine.
    const loginAs = (contentType: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': contentType },
        payload: JSON.stringify({ email: 'a@example.test', password: 'not the password' }),
      });
    const utf16 = await loginAs('application/json; charset=utf-16');
    expect(utf16.statusCode).toBe(415);
    expect(utf16.json().detail).toBe('JSON bodies must be UTF-8, not utf-16; send charset=utf-8 or none');
    expect((await loginAs('application/json; charset=UTF-8')).statusCode).toBe(401);
    // Bytes that are not UTF-8 at all were each read as U+FFFD, and stored so.
    const latin1 = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.concat([
        Buffer.from('{"email":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('@example.test","password":"x"}'),
      ]),
    });
    expect(latin1.statusCode).toBe(400);
    expect(latin1.json().detail).toBe('The request body is not valid UTF-8; send JSON encoded as UTF-8');
  });

  it('refuses a compressed body with 415 saying so, and reads an identity one', async () => {
    const { gzipSync } = await import('node:zlib');
    const body = JSON.stringify({ email: 'a@example.test', password: 'not the password' });
    const gzipped = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(body),
    });
    expect(gzipped.statusCode).toBe(415);
    expect(gzipped.json().detail).toBe(
      "Request bodies are not decompressed: send the body without Content-Encoding ('gzip' was given)",
    );
    const identity = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json', 'content-encoding': 'identity' },
      payload: body,
    });
    expect(identity.statusCode).toBe(401);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('not_found');
  });

  it('answers a URL that does not decode, and an id longer than any, with problem+json', async () => {
    const undecodable = await t.app.inject({ method: 'GET', url: '/v1/agents/%E0%A4%A' });
    expect(undecodable.statusCode).toBe(400);
    expect(undecodable.headers['content-type']).toContain('application/problem+json');
    expect(undecodable.json()).toMatchObject({
      code: 'malformed_request',
      detail: expect.stringContaining('not UTF-8'),
    });
    const tooLong = await t.app.inject({ method: 'GET', url: `/v1/agents/${'x'.repeat(300)}` });
    expect(tooLong.statusCode).toBe(414);
    expect(tooLong.headers['content-type']).toContain('application/problem+json');
    expect(tooLong.json()).toMatchObject({ code: 'uri_too_long', requestId: expect.any(String) });
  });

  it('echoes a request id on every response', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers['x-request-id']).toBe('abc-123');
  });

  it('is ready once migrations are applied, and exposes Prometheus metrics', async () => {
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('parley_http_request_duration_seconds');
    expect(metrics.body).toContain('parley_chat_streams_in_flight');
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/v1/auth/login'].post.requestBody).toBeDefined();
  });
});

describe('rate limits', () => {
  // One node with a budget of 3 a minute for the tests below that need no other settings: each spends the
  // budgets of its own fresh addresses only, and sign-in routes keep their own limit (not this one). Its
  // admin spent one request creating the member; the member spends at most two of its three below.
  let limited: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  beforeAll(async () => {
    limited = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    admin = await registerPlatformAdmin(limited.app);
    member = await createUser(limited.app, admin);
  });
  afterAll(() => limited?.close());

  it('answers 429 with retry-after once the per-address budget is spent, shared across nodes via Redis', async () => {
    const first = limited;
    // With TEST_REDIS_URL both nodes count against one budget; embedded, one node takes all four requests.
    const second =
      testStorage === 'postgres' && process.env.TEST_REDIS_URL
        ? await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3' })
        : first;
    try {
      const ip = freshAddress();
      const nodes = [first, first, second, second];
      const statuses = [];
      let last;
      for (const node of nodes) {
        last = await node.app.inject({ method: 'GET', url: '/v1/auth/status', remoteAddress: ip });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last?.headers['retry-after']).toBeDefined();
      expect(last?.json().code).toBe('rate_limited');
    } finally {
      if (second !== first) await second.close();
    }
  });

  it("gives each signed-in user a budget of their own, so users behind one address do not spend each other's", async () => {
    const t = limited;
    const office = freshAddress();
    const list = (user: SignedInUser) =>
      t.app.inject({ method: 'GET', url: '/v1/agents', headers: user.headers, remoteAddress: office });

    // createUser took one request of the admin's three.
    const admins = [];
    for (let i = 0; i < 3; i += 1) admins.push((await list(admin)).statusCode);
    expect(admins).toEqual([200, 200, 429]);
    expect((await list(member)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/status', remoteAddress: office })).statusCode).toBe(200);
  });

  it('counts requests that fail to authenticate against their address, and answers 429 past the budget', async () => {
    const t = limited;
    const flooder = freshAddress();
    const madeUpKey = (remoteAddress: string) =>
      t.app.inject({
        method: 'GET',
        url: '/v1/agents',
        headers: { authorization: `Bearer pk_${'x'.repeat(40)}` },
        remoteAddress,
      });

    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await madeUpKey(flooder)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await madeUpKey(freshAddress())).statusCode).toBe(401);
    // A signed-in user at that address keeps their own budget.
    const signedIn = await t.app.inject({ method: 'GET', url: '/v1/agents', headers: member.headers, remoteAddress: flooder });
    expect(signedIn.statusCode).toBe(200);
  });

  it('with TRUST_PROXY=1 counts the address the proxy saw, whatever the client wrote before it in X-Forwarded-For', async () => {
    const t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '1' });
    try {
      const client = freshAddress();
      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        const response = await t.app.inject({
          method: 'GET',
          url: '/v1/auth/status',
          headers: { 'x-forwarded-for': `${freshAddress()}, ${client}` },
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await t.close();
    }
  });
});
