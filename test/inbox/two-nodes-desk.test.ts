import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { answerTo, openSocket, type Frame, type TestSocket } from '../realtime/realtime-client.js';
import { nodeRequest } from '../harness/node-request.js';

/**
 * The support desk across two real `parley serve` processes on one PostgreSQL database and one Redis,
 * as behind a load balancer with no sticky sessions: an operator whose console socket is on node A
 * hears of a conversation that starts waiting on node B, and of the contact's next message there, and
 * every node tells the same presence whichever node holds the operator's sockets.
 */
const origin = 'https://shop.two-nodes.test';
const password = 'a long password';

describe.skipIf(!isScaledOut)('the support desk across two server processes', { timeout: 120_000 }, () => {
  let cluster: ScaledOutNodes | undefined;
  let nodeA: string;
  let nodeB: string;
  let admin: Record<string, string>;
  let operator: { id: string; headers: Record<string, string> };
  let inboxId: string;
  let agentId: string;
  const sockets: TestSocket[] = [];

  const expectOk = <T extends { status: number; text: string }>(answer: T, status = 200): T => {
    expect(answer.status, answer.text).toBe(status);
    return answer;
  };
  const signIn = async (node: string, email: string) => {
    const answer = expectOk(await nodeRequest(node, 'POST', '/v1/auth/login', {}, { email, password }));
    return { authorization: `Bearer ${String(answer.body.accessToken)}` };
  };
  const socketOf = async (node: string, headers: Record<string, string>) => {
    const socket = await openSocket(node, { headers });
    sockets.push(socket);
    return socket;
  };
  /** The operator's presence as a node's API tells it. */
  const presenceOn = async (node: string) => {
    const answer = expectOk(await nodeRequest(node, 'GET', '/v1/operators', admin));
    return (answer.body.items as { id: string; presence: string }[]).find((item) => item.id === operator.id)?.presence;
  };
  const presenceFrames = (socket: TestSocket) =>
    socket.frames.filter((frame) => frame.type === 'operator-presence' && frame.userId === operator.id);

  beforeAll(async () => {
    cluster = await createScaledOutNodes('desk-two-nodes', { WIDGET_RATE_LIMIT_PER_MINUTE: '100000' });
    nodeA = (await cluster.start()).baseUrl;
    nodeB = (await cluster.start()).baseUrl;

    const registered = expectOk(
      await nodeRequest(nodeA, 'POST', '/v1/auth/register', {}, { email: 'desk-admin@example.test', password }),
      201,
    );
    admin = { authorization: `Bearer ${String(registered.body.accessToken)}` };
    const created = expectOk(
      await nodeRequest(nodeA, 'POST', '/v1/users', admin, { email: 'desk-op@example.test', password, role: 'operator' }),
      201,
    );
    operator = { id: String(created.body.id), headers: await signIn(nodeB, 'desk-op@example.test') };
    const agent = expectOk(
      await nodeRequest(nodeA, 'POST', '/v1/agents', admin, { name: 'Desk', model: 'offline', visibility: 'tenant' }),
      201,
    );
    agentId = String(agent.body.id);
    const inbox = expectOk(
      await nodeRequest(nodeA, 'POST', '/v1/inboxes', admin, {
        name: 'Website',
        agentId: agent.body.id,
        allowedOrigins: [origin],
      }),
      201,
    );
    inboxId = String(inbox.body.id);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await cluster?.stop();
  }, 120_000);

  it("tells each node the operator's presence, whichever node holds their sockets", async () => {
    const observer = await socketOf(nodeA, admin);
    expect(await presenceOn(nodeB)).toBe('offline');

    const onA = await socketOf(nodeA, operator.headers);
    await eventually(async () => ((await presenceOn(nodeB)) === 'online' ? true : undefined));
    await observer.next((frame) => frame.type === 'operator-presence' && frame.userId === operator.id);
    expect(presenceFrames(observer).at(-1)?.status).toBe('online');

    // A second console on node B, then the first closes: still online, and node A says so too.
    const onB = await socketOf(nodeB, operator.headers);
    await eventually(async () => (presenceFrames(observer).length >= 2 ? true : undefined));
    const heard = presenceFrames(observer).length;
    await onA.close();
    await eventually(async () => (presenceFrames(observer).length > heard ? true : undefined));
    expect(presenceFrames(observer).at(-1)?.status).toBe('online');
    expect(await presenceOn(nodeA)).toBe('online');
    expect(await presenceOn(nodeB)).toBe('online');

    // Away, set through node A while the only socket is on node B.
    expectOk(await nodeRequest(nodeA, 'PUT', '/v1/operators/me/presence', operator.headers, { status: 'away' }));
    expect(await presenceOn(nodeB)).toBe('away');
    await observer.next((frame) => frame.type === 'operator-presence' && frame.status === 'away');

    await onB.close();
    await eventually(async () => ((await presenceOn(nodeA)) === 'offline' ? true : undefined));
    expect(await presenceOn(nodeB)).toBe('offline');
    await observer.next(
      (frame) => frame.type === 'operator-presence' && frame.userId === operator.id && frame.status === 'offline',
    );
  });

  it("notifies node A's operator of a conversation that starts waiting on node B, then of the contact's next message", async () => {
    const desk = await socketOf(nodeA, operator.headers);
    const session = expectOk(
      await nodeRequest(nodeB, 'POST', `/v1/widget/inboxes/${inboxId}/sessions`, { origin }, {}),
      201,
    );
    const widget = { origin, authorization: `Bearer ${String(session.body.contactToken)}` };
    const conversation = expectOk(await nodeRequest(nodeB, 'POST', '/v1/widget/conversations', widget), 201);
    expect(conversation.body.status).toBe('bot');
    const supportConversationId = String(conversation.body.id);

    // A handoff keyword: pending with no model call, on node B.
    const asked = expectOk(
      await nodeRequest(nodeB, 'POST', `/v1/widget/conversations/${supportConversationId}/messages`, widget, {
        content: 'Where is my parcel? I want a human',
        clientMessageId: 'ask-1',
      }),
    );
    expect(asked.body.conversation).toMatchObject({ status: 'pending' });
    const pending = await desk.next(
      (frame) => frame.type === 'support-pending' && frame.supportConversationId === supportConversationId,
    );
    expect(pending).toMatchObject({ inboxId, inboxName: 'Website', contact: { id: session.body.contactId } });
    expect(String(pending.summary)).toContain('Where is my parcel?');
    const chatConversationId = String(pending.conversationId);

    // The operator opens it on node A; the contact writes again on node B.
    desk.send({ type: 'subscribe', id: 'open-1', conversationId: chatConversationId });
    expect(await answerTo(desk, 'open-1')).toMatchObject({ type: 'subscribed' });
    expectOk(
      await nodeRequest(nodeB, 'POST', `/v1/widget/conversations/${supportConversationId}/messages`, widget, {
        content: 'The order number is 4242',
        clientMessageId: 'next-1',
      }),
    );
    const next = await desk.next(
      (frame: Frame) =>
        frame.type === 'message-created' &&
        frame.conversationId === chatConversationId &&
        (frame.message as { content?: string }).content === 'The order number is 4242',
    );
    expect(next.message).toMatchObject({ role: 'user' });
    // Pending: nobody's model answered, on either node.
    const messages = expectOk(
      await nodeRequest(nodeA, 'GET', `/v1/support-conversations/${supportConversationId}/messages`, operator.headers),
    );
    const roles = (messages.body.items as { role: string }[]).map((item) => item.role);
    expect(roles).not.toContain('assistant');
    expect(roles.filter((role) => role === 'contact')).toHaveLength(2);
  });

  it('ends on node B, within a second, the subscription and notices of an operator demoted on node A', async () => {
    const createUserAs = async (email: string, role: string) => {
      const created = expectOk(await nodeRequest(nodeA, 'POST', '/v1/users', admin, { email, password, role }), 201);
      return { id: String(created.body.id), headers: await signIn(nodeB, email) };
    };
    const member = await createUserAs('desk-member@example.test', 'member');
    const demoted = await createUserAs('desk-demoted@example.test', 'operator');
    const conversation = expectOk(await nodeRequest(nodeB, 'POST', '/v1/conversations', member.headers, { agentId }), 201);
    const memberConversationId = String(conversation.body.id);
    const onB = await socketOf(nodeB, demoted.headers);
    const control = await socketOf(nodeB, operator.headers);
    onB.send({ type: 'subscribe', id: 'watch-1', conversationId: memberConversationId });
    expect(await answerTo(onB, 'watch-1')).toMatchObject({ type: 'subscribed' });

    const demotedAt = Date.now();
    expectOk(await nodeRequest(nodeA, 'PATCH', `/v1/users/${demoted.id}`, admin, { role: 'member' }));
    const ended = await onB.next((frame) => frame.type === 'error' && frame.code === 'subscription_ended');
    expect(Date.now() - demotedAt).toBeLessThan(1_000);
    expect(ended.conversationId).toBe(memberConversationId);

    // A visitor starts waiting on node A: the operator still on the desk hears it, the demoted socket does not.
    const session = expectOk(
      await nodeRequest(nodeA, 'POST', `/v1/widget/inboxes/${inboxId}/sessions`, { origin }, { email: 'v@example.test' }),
      201,
    );
    const widget = { origin, authorization: `Bearer ${String(session.body.contactToken)}` };
    const started = expectOk(await nodeRequest(nodeA, 'POST', '/v1/widget/conversations', widget), 201);
    expectOk(
      await nodeRequest(nodeA, 'POST', `/v1/widget/conversations/${String(started.body.id)}/messages`, widget, {
        content: 'I want a human please',
        clientMessageId: 'demoted-1',
      }),
    );
    await control.next((frame) => frame.type === 'support-pending' && frame.supportConversationId === started.body.id);
    onB.send({ type: 'ping', id: 'flush' });
    await answerTo(onB, 'flush');
    expect(onB.frames.filter((frame) => frame.type === 'support-pending')).toEqual([]);
    // Watching the member's conversation again is refused, as over HTTP.
    onB.send({ type: 'subscribe', id: 'watch-2', conversationId: memberConversationId });
    expect(await answerTo(onB, 'watch-2')).toMatchObject({ type: 'error', code: 'not_found' });
  });
});
