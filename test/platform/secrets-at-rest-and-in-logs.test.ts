import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { captureLogs, type LogCapture } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

const serverProviderKey = 'sk-server-env-key-5f0c1d2e3a4b';
const tenantProviderKey = 'sk-tenant-provider-key-9a8b7c6d';
const rotatedProviderKey = 'sk-tenant-provider-rotated-1a2b3c';
const refusedProviderKey = 'sk-sent-with-an-invalid-body-77aa';

describe('refresh tokens at rest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MODE: 'open' });
  });
  afterAll(() => t.close());

  it('keeps only a hash of each refresh token in the database, never the token itself', async () => {
    const registered = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: uniqueEmail('hashed'), password: testPassword },
    });
    const { refreshToken: first, user } = registered.json<{ refreshToken: string; user: { id: string } }>();
    const refreshed = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: first } });
    expect(refreshed.statusCode).toBe(200);
    const second = refreshed.json().refreshToken as string;

    const { rows } = await t.database.executeSql('select * from refresh_tokens where user_id = $1', [user.id]);
    expect(rows).toHaveLength(2);
    const stored = JSON.stringify(rows);
    for (const token of [first, second]) {
      expect(token).toMatch(/^prt_.{20,}/);
      expect(stored).not.toContain(token);
      // Not even the random part without its prefix, in any column.
      expect(stored).not.toContain(token.slice('prt_'.length));
    }
    for (const row of rows as Array<{ token_hash: string }>) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);

    // The stored hash is enough to recognise the token: the current one is accepted.
    const again = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: second } });
    expect(again.statusCode).toBe(200);
  });
});

describe('credentials in logs', () => {
  let fake: FakeOpenAIServer;
  let t: TestApp;
  let logs: LogCapture;
  let admin: SignedInUser;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer();
    logs = captureLogs();
    t = await buildTestApp(
      {
        LOG_LEVEL: 'debug',
        OPENAI_API_KEY: serverProviderKey,
        OPENAI_BASE_URL: fake.baseUrl,
        // The tenant's own provider is the same fake on 127.0.0.1, which the outbound guard refuses by default.
        OUTBOUND_ALLOW: '127.0.0.1',
      },
      { logDestination: logs.destination },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url, headers, ...(payload && { payload }) });

  it('never logs provider API keys or pk_ keys, whether sent in bodies, headers, or to a failing provider', async () => {
    // Provider keys in request bodies: created, rotated, and one refused by validation.
    const created = await inject('POST', '/v1/providers', admin.headers, {
      name: 'tenant-openai',
      kind: 'openai',
      baseUrl: fake.baseUrl,
      apiKey: tenantProviderKey,
    });
    expect(created.statusCode).toBe(201);
    const providerId = created.json().id as string;
    const refused = await inject('POST', '/v1/providers', admin.headers, {
      name: 'Not A Valid Name',
      kind: 'openai',
      apiKey: refusedProviderKey,
    });
    expect(refused.statusCode).toBe(400);

    // An API key, then used as a Bearer credential on ordinary and OpenAI-compatible routes.
    const issued = await inject('POST', '/v1/api-keys', admin.headers, { name: 'ci' });
    expect(issued.statusCode).toBe(201);
    const apiKey = issued.json().key as string;
    expect(apiKey).toMatch(/^pk_/);
    const viaKey = { authorization: `Bearer ${apiKey}` };
    expect((await inject('GET', '/v1/auth/me', viaKey)).statusCode).toBe(200);
    expect((await inject('GET', '/v1/agents', { ...viaKey, 'x-api-key': apiKey })).statusCode).toBe(200);
    expect((await inject('GET', '/v1/models', viaKey)).statusCode).toBe(200);
    const unknownKey = `${apiKey.slice(0, -4)}XXXX`;
    expect((await inject('GET', '/v1/auth/me', { authorization: `Bearer ${unknownKey}` })).statusCode).toBe(401);

    // Model calls with both keys, succeeding and failing (the failure is logged with its error).
    const tenantAgent = await createAgent(t.app, admin, { name: 'Tenant model', model: 'tenant-openai:gpt-4o-mini' });
    const serverAgent = await createAgent(t.app, admin, { name: 'Server model', model: 'openai:gpt-4o-mini' });
    const completion = await inject('POST', '/v1/chat/completions', viaKey, {
      model: tenantAgent.id,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(completion.statusCode).toBe(200);
    expect(fake.lastRequest().headers.authorization).toBe(`Bearer ${tenantProviderKey}`);

    fake.respondWith({ error: { status: 401, code: 'invalid_api_key', message: 'Incorrect API key provided.' } });
    for (const agent of [tenantAgent, serverAgent]) {
      const conversation = await createConversation(t.app, admin, agent.id, { title: 'Failing provider' });
      const turn = await inject('POST', `/v1/conversations/${conversation.id}/messages`, viaKey, { content: 'hi' });
      expect(turn.statusCode).toBe(502);
      expect(turn.json().code).toBe('model_error');
      // The same failure on a streamed turn, which reports it in the stream and logs the provider's error.
      const streamed = await inject(
        'POST',
        `/v1/conversations/${conversation.id}/messages`,
        { ...viaKey, accept: 'text/event-stream' },
        { content: 'hi again' },
      );
      expect(streamed.body).toContain('"type":"error"');
    }
    // A request the provider refused: its own words reach the log for the operator (not the user),
    // with the key it may echo blanked.
    fake.respondWith({
      error: {
        status: 400,
        message: `This model's maximum context length is 8192 tokens; your key ${tenantProviderKey} sent 9000`,
      },
    });
    const tooLong = await createConversation(t.app, admin, tenantAgent.id, { title: 'Too long' });
    const refusedTurn = await inject('POST', `/v1/conversations/${tooLong.id}/messages`, viaKey, { content: 'long' });
    expect(refusedTurn.statusCode).toBe(422);
    expect(refusedTurn.body).not.toContain('maximum context length');
    expect(logs.entries().find((entry) => entry.conversationId === tooLong.id)?.providerSaid).toBe(
      "This model's maximum context length is 8192 tokens; your key [redacted] sent 9000",
    );

    expect(fake.requests.map((request) => request.headers.authorization)).toEqual(
      expect.arrayContaining([`Bearer ${tenantProviderKey}`, `Bearer ${serverProviderKey}`]),
    );
    fake.respondWith({});

    const rotated = await inject('PATCH', `/v1/providers/${providerId}`, viaKey, { apiKey: rotatedProviderKey });
    expect(rotated.statusCode).toBe(200);

    // The log saw these requests (at debug level) and the failures, so its silence about keys means something.
    const entries = logs.entries();
    const loggedUrls = entries.map((entry) => (entry.req as { url?: string } | undefined)?.url);
    expect(loggedUrls).toEqual(expect.arrayContaining(['/v1/providers', '/v1/api-keys', '/v1/models']));
    // The provider's refusals are logged, as warnings: it is the provider that failed.
    expect(entries.some((entry) => entry.level >= 40 && entry.code === 'model_error')).toBe(true);

    const text = logs.text();
    for (const secret of [
      serverProviderKey,
      tenantProviderKey,
      rotatedProviderKey,
      refusedProviderKey,
      apiKey,
      apiKey.slice('pk_'.length),
      unknownKey,
    ]) {
      expect(text, `the log holds '${secret}'`).not.toContain(secret);
    }
  });
});
