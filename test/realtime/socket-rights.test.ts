import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';
import { answerTo, openSocket, type Frame, type TestSocket } from './realtime-client.js';

/**
 * An open socket holds no more than its credential stands for now, as HTTP does on every request: a
 * demoted operator's socket leaves the conversations that are no longer theirs and the operators'
 * channel at once, and a socket or ticket whose credential ended is closed or refused. Real app,
 * real `ws` clients.
 */
describe('rights of an open socket', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let agentId: string;
  let inboxId: string;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp({ WIDGET_RATE_LIMIT_PER_MINUTE: '100000' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    agentId = (await createAgent(t.app, admin, { name: 'Desk', model: 'offline', visibility: 'tenant' })).id;
    inboxId = (await createInbox(t.app, admin, { agentId })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  const setRole = async (user: SignedInUser, role: string) => {
    const answer = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${user.userId}`,
      headers: admin.headers,
      payload: { role },
    });
    expect(answer.statusCode, answer.body).toBe(200);
  };

  /** A visitor whose conversation starts waiting for a person: every desk socket gets `support-pending`. */
  async function visitorWaiting(): Promise<string> {
    const visitor = await startVisitor(t.app, inboxId, { email: 'visitor@example.test' });
    const conversation = await startConversation(t.app, visitor);
    const asked = await sendAsVisitor(t.app, visitor, conversation.id, 'Where is my parcel? I want a human');
    expect(asked.statusCode, asked.body).toBe(200);
    return conversation.id;
  }
  const pendingFor = (id: string) => (frame: Frame) =>
    frame.type === 'support-pending' && frame.supportConversationId === id;

  async function subscribed(socket: TestSocket, conversationId: string, id: string): Promise<void> {
    socket.send({ type: 'subscribe', id, conversationId });
    expect(await answerTo(socket, id)).toMatchObject({ type: 'subscribed', conversationId });
  }

  it("ends a demoted operator's subscriptions to others' conversations and stops the desk's notices at once", async () => {
    const member = await createUser(t.app, admin, 'member');
    const operator = await createUser(t.app, admin, 'operator');
    const control = await createUser(t.app, admin, 'operator');
    const others = await createConversation(t.app, member, agentId);
    const own = await createConversation(t.app, operator, agentId);
    const socket = await openSocket(address, { headers: operator.headers });
    const controlSocket = await openSocket(address, { headers: control.headers });
    await subscribed(socket, others.id, 'others');
    await subscribed(socket, own.id, 'own');
    const before = await visitorWaiting();
    await socket.next(pendingFor(before));

    const demotedAt = Date.now();
    await setRole(operator, 'member');
    const ended = await socket.next((frame) => frame.type === 'error' && frame.code === 'subscription_ended');
    expect(Date.now() - demotedAt).toBeLessThan(1_000);
    expect(ended).toMatchObject({ conversationId: others.id });
    expect(String(ended.message)).toContain("Your role is now 'member'");

    // Their sockets no longer count as an operator's: the desk hears them go offline.
    await controlSocket.next(
      (frame) => frame.type === 'operator-presence' && frame.userId === operator.userId && frame.status === 'offline',
    );
    // Notices go to the desk that still holds it, not to the demoted socket; their own conversation stays.
    const after = await visitorWaiting();
    await controlSocket.next(pendingFor(after));
    socket.send({ type: 'ping', id: 'flush' });
    await answerTo(socket, 'flush');
    expect(socket.frames.filter(pendingFor(after))).toEqual([]);
    expect(socket.frames.filter((frame) => frame.code === 'subscription_ended')).toHaveLength(1);
    socket.send({ type: 'subscribe', id: 'again', conversationId: others.id });
    expect(await answerTo(socket, 'again')).toMatchObject({ type: 'error', code: 'not_found' });
    await subscribed(socket, own.id, 'own-again');

    // Promoted again: the desk's notices come back on the same socket.
    await setRole(operator, 'operator');
    const promoted = await visitorWaiting();
    await socket.next(pendingFor(promoted));
    await Promise.all([socket.close(), controlSocket.close()]);
  });

  it("ends the subscriptions of a socket opened with an operator's API key when its user is demoted", async () => {
    const member = await createUser(t.app, admin, 'member');
    const operator = await createUser(t.app, admin, 'operator');
    const others = await createConversation(t.app, member, agentId);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: operator.headers,
      payload: { name: 'desk script' },
    });
    expect(created.statusCode).toBe(201);
    const socket = await openSocket(address, {
      headers: { authorization: `Bearer ${created.json<{ key: string }>().key}` },
    });
    await subscribed(socket, others.id, 'others');
    await setRole(operator, 'member');
    const ended = await socket.next((frame) => frame.type === 'error' && frame.code === 'subscription_ended');
    expect(ended).toMatchObject({ conversationId: others.id });
    await socket.close();
  });

  it('closes (4001) a socket whose sign-in was signed out', async () => {
    const member = await createUser(t.app, admin, 'member');
    const socket = await openSocket(address, { headers: member.headers });
    const signedOut = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      payload: { refreshToken: member.refreshToken },
    });
    expect(signedOut.statusCode).toBeLessThan(300);
    expect((await socket.closed).code).toBe(4001);
  });

  it('refuses a ticket whose credential ended after it was issued, with 401 and a sentence', async () => {
    const member = await createUser(t.app, admin, 'member');
    const issued = await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: member.headers });
    const { ticket } = issued.json<{ ticket: string }>();
    const disabled = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${member.userId}`,
      headers: admin.headers,
      payload: { disabled: true },
    });
    expect(disabled.statusCode).toBe(200);
    const refused = await openSocket(address, { ticket }).then(
      () => ({ status: 0, body: '' }),
      (error: { status: number; body: string }) => error,
    );
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).detail).toContain('has ended');
  });

  it('opens a ticket issued before a demotion with the role held now', async () => {
    const operator = await createUser(t.app, admin, 'operator');
    const issued = await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: operator.headers });
    const { ticket } = issued.json<{ ticket: string }>();
    await setRole(operator, 'member');
    const socket = await openSocket(address, { ticket });
    const waiting = await visitorWaiting();
    const admins = await openSocket(address, { headers: admin.headers });
    const second = await visitorWaiting();
    await admins.next(pendingFor(second));
    socket.send({ type: 'ping', id: 'flush' });
    await answerTo(socket, 'flush');
    expect(socket.frames.filter((frame) => frame.type === 'support-pending')).toEqual([]);
    expect(waiting).not.toBe(second);
    await Promise.all([socket.close(), admins.close()]);
  });
});
