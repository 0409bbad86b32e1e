import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('conversations', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let alice: SignedInUser;
  let bob: SignedInUser;
  let operator: SignedInUser;
  let agentId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    alice = await createUser(t.app, admin);
    bob = await createUser(t.app, admin);
    operator = await createUser(t.app, admin, 'operator');
    agentId = (await createAgent(t.app, admin, { name: 'Shared' })).id;
  });
  afterAll(() => t.close());

  const call = (user: SignedInUser, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const send = (user: SignedInUser, conversationId: string, content: string) =>
    call(user, 'POST', `/v1/conversations/${conversationId}/messages`, { content });
  const listIds = async (user: SignedInUser, query = '') => {
    const response = await call(user, 'GET', `/v1/conversations?limit=100${query}`);
    expect(response.statusCode).toBe(200);
    return (response.json().items as { id: string }[]).map((c) => c.id);
  };

  it('creates a conversation with a server-made UUID v7 id, ignoring a client id', async () => {
    const clientId = '00000000-0000-4000-8000-000000000000';
    const response = await call(alice, 'POST', '/v1/conversations', { id: clientId, agentId, title: 'Plans' });
    expect(response.statusCode).toBe(201);
    const conversation = response.json();
    expect(conversation.id).not.toBe(clientId);
    expect(conversation.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(conversation).toMatchObject({
      agentId,
      title: 'Plans',
      ownerId: alice.userId,
      messageCount: 0,
      archived: false,
    });
  });

  it("refuses an agent the caller cannot use, and another member's project", async () => {
    const bobsPrivate = await createAgent(t.app, bob, { name: 'Bob private' });
    const refused = await call(alice, 'POST', '/v1/conversations', { agentId: bobsPrivate.id });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().detail).toContain(bobsPrivate.id);
    const bobsProject = (await call(bob, 'POST', '/v1/projects', { name: 'Bob' })).json();
    const wrongProject = await call(alice, 'POST', '/v1/conversations', { agentId, projectId: bobsProject.id });
    expect(wrongProject.statusCode).toBe(422);
  });

  it('lists newest activity first and walks the cursor returning each conversation once', async () => {
    const user = await createUser(t.app, admin);
    const created: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      created.push((await createConversation(t.app, user, agentId, { title: `C${index}` })).id);
    }
    // A message makes the oldest conversation the most recently active.
    expect((await send(user, created[0]!, 'bump')).statusCode).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(user, 'GET', `/v1/conversations?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([created[0], created[5], created[4], created[3], created[2], created[1]]);
  });

  it('answers 400, never 5xx, for an absurd limit or a garbage cursor', async () => {
    const forged = Buffer.from(JSON.stringify(['not a time', '01a1ff47-5a70-733e-b14c-43db2cc96421'])).toString(
      'base64url',
    );
    for (const query of [
      'limit=100000',
      'limit=-1',
      'limit=abc',
      'cursor=garbage',
      'cursor=%00%01',
      `cursor=${forged}`,
      'archived=maybe',
      'q=' + 'x'.repeat(101),
    ]) {
      const response = await call(alice, 'GET', `/v1/conversations?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('filters by project, archived state and title search', async () => {
    const user = await createUser(t.app, admin);
    const project = (await call(user, 'POST', '/v1/projects', { name: 'Work' })).json();
    const inProject = await createConversation(t.app, user, agentId, {
      title: 'Quarterly report',
      projectId: project.id,
    });
    const loose = await createConversation(t.app, user, agentId, { title: 'Holiday 100% fun' });
    expect(await listIds(user, `&projectId=${project.id}`)).toEqual([inProject.id]);
    expect(await listIds(user, '&q=REPORT')).toEqual([inProject.id]);
    expect(await listIds(user, '&q=100%25')).toEqual([loose.id]);
    expect(await listIds(user, '&q=_')).toEqual([]);
    // A title and a search typed with the accent as a mark of its own (NFD) meet the composed form.
    const munich = await createConversation(t.app, user, agentId, { title: 'Trip to Mu\u0308nchen' });
    expect(await listIds(user, `&q=${encodeURIComponent('München')}`)).toEqual([munich.id]);
    expect(await listIds(user, `&q=${encodeURIComponent('mu\u0308nchen')}`)).toEqual([munich.id]);
    expect((await call(user, 'DELETE', `/v1/conversations/${munich.id}`)).statusCode).toBe(204);

    const archived = await call(user, 'PATCH', `/v1/conversations/${loose.id}`, { archived: true });
    expect(archived.json()).toMatchObject({ archived: true, archivedAt: expect.any(String) });
    expect(await listIds(user)).toEqual([inProject.id]);
    expect(await listIds(user, '&archived=true')).toEqual([loose.id]);

    const moved = await call(user, 'PATCH', `/v1/conversations/${loose.id}`, {
      projectId: project.id,
      title: 'Renamed',
      archived: false,
    });
    expect(moved.json()).toMatchObject({ projectId: project.id, title: 'Renamed', archived: false });
    expect((await call(user, 'PATCH', `/v1/conversations/${loose.id}`, {})).statusCode).toBe(400);
  });

  it("keeps a member out of another member's conversation; operators read it, only admins change it", async () => {
    const conversation = await createConversation(t.app, alice, agentId, { title: 'Private' });
    expect((await send(alice, conversation.id, 'hello')).statusCode).toBe(201);
    for (const [method, path, payload] of [
      ['GET', '', undefined],
      ['PATCH', '', { title: 'x' }],
      ['DELETE', '', undefined],
      ['GET', '/messages', undefined],
      ['POST', '/messages', { content: 'hi' }],
    ] as const) {
      const response = await call(bob, method, `/v1/conversations/${conversation.id}${path}`, payload);
      expect(response.statusCode, `${method} ${path}`).toBe(404);
    }
    expect(await listIds(bob)).not.toContain(conversation.id);

    expect(await listIds(operator)).toContain(conversation.id);
    expect((await call(operator, 'GET', `/v1/conversations/${conversation.id}/messages`)).json().items).toHaveLength(2);
    expect((await call(operator, 'PATCH', `/v1/conversations/${conversation.id}`, { title: 'x' })).statusCode).toBe(
      403,
    );
    expect((await send(operator, conversation.id, 'butting in')).statusCode).toBe(403);
    expect((await call(admin, 'PATCH', `/v1/conversations/${conversation.id}`, { title: 'Admin' })).statusCode).toBe(
      200,
    );
  });

  it('answers 404 for a conversation of another tenant on every route', async () => {
    const conversation = await createConversation(t.app, alice, agentId);
    for (const [method, path, payload] of [
      ['GET', '', undefined],
      ['PATCH', '', { title: 'x' }],
      ['DELETE', '', undefined],
      ['GET', '/messages', undefined],
      ['POST', '/messages', { content: 'hi' }],
    ] as const) {
      const response = await call(otherAdmin, method, `/v1/conversations/${conversation.id}${path}`, payload);
      expect(response.statusCode, `${method} ${path}`).toBe(404);
      expect(response.json().detail).toBe(`Conversation '${conversation.id}' was not found`);
    }
    expect(await listIds(otherAdmin)).not.toContain(conversation.id);
    expect((await call(alice, 'GET', `/v1/conversations/${conversation.id}`)).statusCode).toBe(200);
  });

  it('pages message history oldest first with before and after cursors', async () => {
    const conversation = await createConversation(t.app, alice, agentId, { title: 'History' });
    for (const content of ['one', 'two', 'three'])
      expect((await send(alice, conversation.id, content)).statusCode).toBe(201);
    const url = `/v1/conversations/${conversation.id}/messages`;
    const all = (await call(alice, 'GET', `${url}?limit=100`)).json();
    expect(all.items.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(
      all.items.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content),
    ).toEqual(['one', 'two', 'three']);
    expect(all).toMatchObject({ olderCursor: null, newerCursor: null });
    const ids = all.items.map((m: { id: string }) => m.id) as string[];

    const latest = (await call(alice, 'GET', `${url}?limit=2`)).json();
    expect(latest.items.map((m: { id: string }) => m.id)).toEqual(ids.slice(4));
    expect(latest.olderCursor).toBe(ids[4]);
    const older = (await call(alice, 'GET', `${url}?limit=2&before=${latest.olderCursor}`)).json();
    expect(older.items.map((m: { id: string }) => m.id)).toEqual(ids.slice(2, 4));
    expect(older).toMatchObject({ olderCursor: ids[2], newerCursor: ids[3] });
    const oldest = (await call(alice, 'GET', `${url}?limit=2&before=${older.olderCursor}`)).json();
    expect(oldest.items.map((m: { id: string }) => m.id)).toEqual(ids.slice(0, 2));
    expect(oldest.olderCursor).toBeNull();
    const newer = (await call(alice, 'GET', `${url}?limit=3&after=${ids[0]}`)).json();
    expect(newer.items.map((m: { id: string }) => m.id)).toEqual(ids.slice(1, 4));
    expect(newer).toMatchObject({ olderCursor: ids[1], newerCursor: ids[3] });

    for (const query of [`before=${ids[0]}&after=${ids[1]}`, 'before=nope', 'limit=101']) {
      expect((await call(alice, 'GET', `${url}?${query}`)).statusCode, query).toBe(400);
    }
  });

  it('deletes a conversation with its messages', async () => {
    const conversation = await createConversation(t.app, alice, agentId, { title: 'Bye' });
    expect((await send(alice, conversation.id, 'hello')).statusCode).toBe(201);
    expect((await call(alice, 'DELETE', `/v1/conversations/${conversation.id}`)).statusCode).toBe(204);
    expect((await call(alice, 'GET', `/v1/conversations/${conversation.id}`)).statusCode).toBe(404);
    expect((await call(alice, 'GET', `/v1/conversations/${conversation.id}/messages`)).statusCode).toBe(404);
  });
});
