import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword } from '../harness/actors.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { answerTo, openSocket, refusalOf } from './realtime-client.js';

const isScaledOut = testStorage === 'postgres' && Boolean(process.env.TEST_REDIS_URL);
const limit = 3;

/**
 * Two nodes of one deployment, on one database and one Redis. The sockets a user may hold
 * (REALTIME_CONNECTIONS_PER_USER) are counted across them: the socket past the limit is refused whichever
 * node it reaches, and a slot comes back when a socket closes. A change of rights made through one node
 * ends what a socket on the other may do within a second.
 */
describe.skipIf(!isScaledOut)('realtime connections per user, across nodes', { timeout: 60_000 }, () => {
  let nodeA: TestApp;
  let nodeB: TestApp;
  let addressA: string;
  let addressB: string;
  let admin: SignedInUser;

  beforeAll(async () => {
    nodeA = await buildTestApp({}, { realtime: { connectionsPerUser: limit } });
    nodeB = await buildTestApp({}, { realtime: { connectionsPerUser: limit }, sharedDatabase: nodeA.database });
    admin = await createTenantWithAdmin(nodeA.app, await registerPlatformAdmin(nodeA.app));
    const listen = async (t: TestApp) => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    };
    addressA = await listen(nodeA);
    addressB = await listen(nodeB);
  }, 120_000);
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  it('refuses the socket past the limit on either node, and frees a slot when one closes', async () => {
    const member = await createUser(nodeA.app, admin);
    const headers = member.headers;
    const onA = await Promise.all([openSocket(addressA, { headers }), openSocket(addressA, { headers })]);
    const onB = await openSocket(addressB, { headers });

    for (const address of [addressA, addressB]) {
      const refused = await refusalOf(openSocket(address, { headers }));
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'rate_limited' });
      expect(JSON.parse(refused.body).detail).toContain('counted across servers');
    }
    // Another user is not counted with this one.
    const other = await createUser(nodeA.app, admin);
    await (await openSocket(addressB, { headers: other.headers })).close();

    // A socket closed on node A makes room on node B.
    await onA[0].close();
    const reopened = await eventually(async () => {
      try {
        return await openSocket(addressB, { headers });
      } catch {
        return undefined;
      }
    }, 5000);
    expect((await refusalOf(openSocket(addressA, { headers }))).status).toBe(429);
    await Promise.all([onA[1].close(), onB.close(), reopened.close()]);
  });

  it('ends access on the other node within a second: demoted, disabled, signed out, API key deleted', async () => {
    const member = await createUser(nodeA.app, admin, 'member');
    const agentId = (await createAgent(nodeA.app, admin, { name: 'Desk', model: 'offline', visibility: 'tenant' })).id;
    const others = await createConversation(nodeA.app, member, agentId);
    const change = async (method: 'PATCH' | 'POST' | 'DELETE', url: string, payload?: object) => {
      const answer = await nodeA.app.inject({ method, url, headers: admin.headers, ...(payload && { payload }) });
      expect(answer.statusCode, answer.body).toBeLessThan(300);
    };

    // Demoted: the subscription to another's conversation ends, with a sentence.
    const operator = await createUser(nodeA.app, admin, 'operator');
    const demotedSocket = await openSocket(addressB, { headers: operator.headers });
    demotedSocket.send({ type: 'subscribe', id: 'others', conversationId: others.id });
    expect(await answerTo(demotedSocket, 'others')).toMatchObject({ type: 'subscribed' });
    let at = Date.now();
    await change('PATCH', `/v1/users/${operator.userId}`, { role: 'member' });
    const ended = await demotedSocket.next((frame) => frame.type === 'error' && frame.code === 'subscription_ended');
    expect(Date.now() - at).toBeLessThan(1_000);
    expect(ended).toMatchObject({ conversationId: others.id });

    // Disabled, signed out, API key deleted: the socket is closed with 4001.
    const disabled = await createUser(nodeA.app, admin, 'member');
    const signedOut = await createUser(nodeA.app, admin, 'member');
    const keyed = await nodeA.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: member.headers,
      payload: { name: 'on node B' },
    });
    const key = keyed.json<{ id: string; key: string }>();
    const sockets = {
      disabled: await openSocket(addressB, { headers: disabled.headers }),
      signedOut: await openSocket(addressB, { headers: signedOut.headers }),
      key: await openSocket(addressB, { headers: { authorization: `Bearer ${key.key}` } }),
    };
    at = Date.now();
    await change('PATCH', `/v1/users/${disabled.userId}`, { disabled: true });
    const loggedOut = await nodeA.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      payload: { refreshToken: signedOut.refreshToken },
    });
    expect(loggedOut.statusCode).toBeLessThan(300);
    const deleted = await nodeA.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${key.id}`,
      headers: member.headers,
    });
    expect(deleted.statusCode).toBe(204);
    const codes = await Promise.all(Object.values(sockets).map(async (socket) => (await socket.closed).code));
    expect(Date.now() - at).toBeLessThan(1_000);
    expect(codes).toEqual([4001, 4001, 4001]);
    await demotedSocket.close();
  });

  it("ends the other node's subscriptions to a conversation deleted through this one, with a sentence", async () => {
    const member = await createUser(nodeA.app, admin, 'member');
    const agentId = (await createAgent(nodeA.app, admin, { name: 'Gone', model: 'offline', visibility: 'tenant' })).id;
    const doomed = await createConversation(nodeA.app, member, agentId);
    const kept = await createConversation(nodeA.app, member, agentId);
    const [owner, operatorSocket] = await Promise.all([
      openSocket(addressB, { headers: member.headers }),
      openSocket(addressB, { headers: (await createUser(nodeA.app, admin, 'operator')).headers }),
    ]);
    for (const [socket, conversationId, id] of [
      [owner, doomed.id, 'doomed'],
      [owner, kept.id, 'kept'],
      [operatorSocket, doomed.id, 'doomed'],
    ] as const) {
      socket.send({ type: 'subscribe', id, conversationId });
      expect(await answerTo(socket, id)).toMatchObject({ type: 'subscribed' });
    }
    const at = Date.now();
    const deleted = await nodeA.app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${doomed.id}`,
      headers: member.headers,
    });
    expect(deleted.statusCode).toBe(204);
    const ended = await Promise.all(
      [owner, operatorSocket].map((socket) =>
        socket.next((frame) => frame.type === 'error' && frame.code === 'subscription_ended'),
      ),
    );
    expect(Date.now() - at).toBeLessThan(1_000);
    for (const frame of ended) {
      expect(frame).toMatchObject({ conversationId: doomed.id });
      expect(String(frame.message)).toContain('was deleted');
    }
    // Only that subscription ended: the owner's other one still delivers.
    const renamed = await nodeA.app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${kept.id}`,
      headers: member.headers,
      payload: { title: 'Still watched' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(
      await owner.next((frame) => frame.type === 'conversation-updated' && frame.conversationId === kept.id),
    ).toMatchObject({ changes: { title: 'Still watched' } });
    await Promise.all([owner.close(), operatorSocket.close()]);
  });

  it('redeems a ticket on the node it was not issued on, once: the same ticket again is refused on either', async () => {
    const member = await createUser(nodeA.app, admin, 'member');
    const issued = await nodeA.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: member.headers });
    expect(issued.statusCode).toBe(201);
    const { ticket } = issued.json<{ ticket: string }>();
    const socket = await openSocket(addressB, { ticket });
    expect(socket.frames[0]).toMatchObject({ type: 'hello', userId: member.userId });
    for (const address of [addressA, addressB]) {
      expect((await refusalOf(openSocket(address, { ticket }))).status).toBe(401);
    }
    await socket.close();
  });

  it('does not open a socket on the session cookie alone: browsers use a ticket', async () => {
    const member = await createUser(nodeA.app, admin);
    const login = await nodeA.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'x-parley-session': 'cookie' },
      payload: { email: member.email, password: testPassword },
    });
    expect(login.statusCode).toBe(200);
    const cookie = [login.headers['set-cookie'] ?? []].flat().find((value) => value.startsWith('parley_refresh='));
    expect(cookie).toBeDefined();
    const refused = await refusalOf(openSocket(addressA, { headers: { cookie: cookie!.split(';')[0]! } }));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).detail).toContain('/v1/realtime/tickets');
  });
});
