import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportConversations } from '../../src/platform/db/schema/index.js';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { openSocket, type Frame } from '../realtime/realtime-client.js';

/** Operators' presence from their real sockets, and round-robin assignment with a capacity under concurrency. */
describe('operator presence and round-robin assignment', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(() => t.close(), 120_000);

  const call = (user: SignedInUser, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const presenceOf = async (viewer: SignedInUser, userId: string) =>
    (await call(viewer, 'GET', '/v1/operators')).json().items.find((item: Frame) => item.id === userId)?.presence;

  it('shows an operator online while a socket is open, away when they say so, offline after', async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Presence shop');
    const operator = await createUser(t.app, admin, 'operator');
    const member = await createUser(t.app, admin, 'member');
    expect(await presenceOf(admin, operator.userId)).toBe('offline');
    const refused = await call(operator, 'PUT', '/v1/operators/me/presence', { status: 'away' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toContain('open the console');

    const watcher = await openSocket(address, { headers: admin.headers });
    const socket = await openSocket(address, { headers: operator.headers });
    try {
      await eventually(async () => ((await presenceOf(admin, operator.userId)) === 'online' ? true : undefined));
      const away = await call(operator, 'PUT', '/v1/operators/me/presence', { status: 'away' });
      expect(away.statusCode).toBe(200);
      expect(await presenceOf(admin, operator.userId)).toBe('away');
      await watcher.next((frame) => frame.type === 'operator-presence' && frame.status === 'away');
      expect((await call(member, 'GET', '/v1/operators')).statusCode).toBe(403);
    } finally {
      await socket.close();
      await watcher.close();
    }
    await eventually(async () => ((await presenceOf(admin, operator.userId)) === 'offline' ? true : undefined));
  });

  it('gives waiting conversations to online operators in turn, never beyond their capacity, under concurrency', async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Round-robin shop');
    const first = await createUser(t.app, admin, 'operator');
    const second = await createUser(t.app, admin, 'operator');
    const offline = await createUser(t.app, admin, 'operator');
    const inboxResponse = await call(admin, 'POST', '/v1/inboxes', {
      name: 'Human desk',
      assignment: { roundRobin: true, operatorCapacity: 2 },
    });
    expect(inboxResponse.statusCode).toBe(201);
    const inbox = inboxResponse.json();
    expect(inbox.assignment).toEqual({ roundRobin: true, operatorCapacity: 2 });
    const sockets = [
      await openSocket(address, { headers: first.headers }),
      await openSocket(address, { headers: second.headers }),
    ];
    try {
      for (const user of [first, second]) {
        await eventually(async () => ((await presenceOf(admin, user.userId)) === 'online' ? true : undefined));
      }
      const contacts = await Promise.all(
        Array.from({ length: 6 }, async (_, index) =>
          (await call(admin, 'POST', '/v1/contacts', { name: `C${index}` })).json(),
        ),
      );
      const opened = await Promise.all(
        contacts.map((contact) =>
          call(admin, 'POST', '/v1/support-conversations', { inboxId: inbox.id, contactId: contact.id }),
        ),
      );
      expect(opened.map((response) => response.statusCode)).toEqual(Array(6).fill(201));
      const rows = await eventually(async () => {
        const found = await t.database.db
          .select()
          .from(supportConversations)
          .where(and(eq(supportConversations.inboxId, inbox.id), eq(supportConversations.status, 'open')));
        return found.length >= 4 ? found : undefined;
      }, 30_000);
      // Every notice (and so every assignment attempt) has run by now; none went past the capacity.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = await t.database.db
        .select()
        .from(supportConversations)
        .where(eq(supportConversations.inboxId, inbox.id));
      const perOperator = (userId: string) =>
        all.filter((row) => row.assigneeId === userId && row.status === 'open').length;
      expect(rows.length).toBe(4);
      expect(perOperator(first.userId)).toBe(2);
      expect(perOperator(second.userId)).toBe(2);
      expect(perOperator(offline.userId)).toBe(0);
      expect(all.filter((row) => row.status === 'pending' && row.assigneeId === null)).toHaveLength(2);
      const events = (await call(admin, 'GET', `/v1/support-conversations/${rows[0]!.id}/events`)).json().items;
      expect(events.at(-1)).toMatchObject({ action: 'assign', actorKind: 'system', reason: 'round-robin', to: 'open' });
      const listed = (await call(admin, 'GET', '/v1/operators')).json().items;
      expect(listed.find((item: Frame) => item.id === first.userId)).toMatchObject({ openConversations: 2 });
    } finally {
      for (const socket of sockets) await socket.close();
    }
  }, 120_000);
});
