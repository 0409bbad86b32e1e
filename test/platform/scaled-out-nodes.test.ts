import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { testPassword } from '../harness/actors.js';
import {
  createTenantWithAdmin,
  createUser,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';

/**
 * Two nodes on one database and one Redis, as scaled out. A change made on one node applies on the
 * other at once: users are read on every request, and tenants' providers, which a node holds for up to
 * 5 s (ADR 7), are forgotten through Redis. Every check below must hold within 1 s, well inside those
 * 5 s, so for providers only the invalidation can make it pass.
 */
const isScaledOut = testStorage === 'postgres' && Boolean(process.env.TEST_REDIS_URL);
const withinOneSecond = { timeout: 1_000, interval: 10 };
const loginAttempts = 4;

describe.skipIf(!isScaledOut)('two nodes sharing PostgreSQL and Redis', () => {
  let fake: FakeOpenAIServer;
  let nodeA: TestApp;
  let nodeB: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer();
    // The tenant's provider below is the fake on 127.0.0.1, which the outbound guard refuses unless allowed.
    const env = { OUTBOUND_ALLOW: '127.0.0.1', LOGIN_ATTEMPTS_PER_15_MINUTES: String(loginAttempts) };
    nodeA = await buildTestApp(env);
    nodeB = await buildTestApp(env, { sharedDatabase: nodeA.database });
    const platformAdmin = await registerPlatformAdmin(nodeA.app);
    admin = await createTenantWithAdmin(nodeA.app, platformAdmin, 'Scaled-out tenant');
  });
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
    await fake.close();
  });

  const me = (node: TestApp, user: SignedInUser) =>
    node.app.inject({ method: 'GET', url: '/v1/auth/me', headers: user.headers });
  const updateUser = (user: SignedInUser, changes: object) =>
    nodeA.app.inject({ method: 'PATCH', url: `/v1/users/${user.userId}`, headers: admin.headers, payload: changes });

  it("counts an account's failed sign-ins across both nodes", async () => {
    const member = await createUser(nodeA.app, admin, 'member');
    const attempt = (node: TestApp, password: string) =>
      node.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: member.email, password },
        remoteAddress: nextTestAddress(),
      });
    // Half of the failures on each node: counted per node, neither would have reached the limit.
    for (const node of [nodeA, nodeB, nodeA, nodeB])
      expect((await attempt(node, 'not the password')).statusCode).toBe(401);
    for (const node of [nodeA, nodeB]) {
      const limited = await attempt(node, testPassword);
      expect(limited.statusCode, limited.body).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(14 * 60);
    }
  });

  it('refuses on one node a user disabled on the other', async () => {
    const member = await createUser(nodeA.app, admin, 'member');
    expect((await me(nodeB, member)).statusCode).toBe(200);

    expect((await updateUser(member, { disabled: true })).statusCode).toBe(200);

    await expect.poll(async () => (await me(nodeB, member)).statusCode, withinOneSecond).toBe(401);
  });

  it('applies on one node a role changed on the other', async () => {
    const member = await createUser(nodeA.app, admin, 'member');
    expect((await me(nodeB, member)).json()).toMatchObject({ user: { role: 'member' } });

    expect((await updateUser(member, { role: 'operator' })).statusCode).toBe(200);

    await expect
      .poll(async () => (await me(nodeB, member)).json<{ user: { role: string } }>().user.role, withinOneSecond)
      .toBe('operator');
  });

  it("stops using on one node a tenant's provider removed on the other", async () => {
    const created = await nodeA.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: admin.headers,
      payload: { name: 'house', kind: 'openai-compatible', baseUrl: fake.baseUrl, apiKey: 'sk-house', models: ['m1'] },
    });
    expect(created.statusCode).toBe(201);
    const agent = await createAgent(nodeA.app, admin, { model: 'house:m1' });
    const conversation = await createConversation(nodeA.app, admin, agent.id);
    const send = () =>
      nodeB.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
        payload: { content: 'Hello' },
      });
    // Node B reads the tenant's providers, and now holds them.
    const answered = await send();
    expect(answered.statusCode).toBe(201);
    expect(answered.json()).toMatchObject({ assistantMessage: { status: 'complete', model: 'house:m1' } });

    const removed = await nodeA.app.inject({
      method: 'DELETE',
      url: `/v1/providers/${created.json<{ id: string }>().id}`,
      headers: admin.headers,
    });
    expect(removed.statusCode).toBe(204);

    await expect.poll(async () => (await send()).statusCode, withinOneSecond).toBe(400);
  });
});
