import { and, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportConversations, supportStatuses } from '../../src/platform/db/schema/index.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

type Method = 'GET' | 'POST' | 'DELETE';
interface Counts {
  mine: number;
  unassigned: number;
  all: number;
}

/**
 * The queue's tab counts are kept by a trigger (support_queue_counts), not counted on each read: after
 * every kind of change — create, take, assign, transfer, snooze, resolve, reopen, an assignee deleted,
 * an inbox deleted — they must equal a count(*) of the conversations, for each status and inbox filter.
 */
describe('the queue tab counts', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let other: SignedInUser;
  let inboxes: string[];

  const call = async (user: SignedInUser, method: Method, url: string, payload?: object) => {
    const response = await t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.body ? response.json() : undefined;
  };

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Counting shop');
    operator = await createUser(t.app, admin, 'operator');
    other = await createUser(t.app, admin, 'operator');
    // Another tenant's conversations must never be counted here.
    const elsewhere = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    const theirInbox = (await call(elsewhere, 'POST', '/v1/inboxes', { name: 'Theirs' })).id as string;
    const theirContact = (await call(elsewhere, 'POST', '/v1/contacts', { name: 'X' })).id as string;
    await call(elsewhere, 'POST', '/v1/support-conversations', { inboxId: theirInbox, contactId: theirContact });
    inboxes = [
      (await call(admin, 'POST', '/v1/inboxes', { name: 'Human desk' })).id,
      (await call(admin, 'POST', '/v1/inboxes', { name: 'Second desk' })).id,
    ];
  }, 120_000);
  afterAll(() => t.close(), 120_000);

  /** What a count(*) over the table says, for the same filter as the API's. */
  async function counted(user: SignedInUser, status?: string, inboxId?: string): Promise<Counts> {
    const where: SQL[] = [eq(supportConversations.tenantId, user.tenantId)];
    where.push(
      status ? eq(supportConversations.status, status as 'open') : ne(supportConversations.status, 'resolved'),
    );
    if (inboxId) where.push(eq(supportConversations.inboxId, inboxId));
    const rows = await t.database.db
      .select({ assigneeId: supportConversations.assigneeId, count: sql<number>`count(*)::int` })
      .from(supportConversations)
      .where(and(...where))
      .groupBy(supportConversations.assigneeId);
    return {
      mine: rows.find((row) => row.assigneeId === user.userId)?.count ?? 0,
      unassigned: rows.find((row) => row.assigneeId === null)?.count ?? 0,
      all: rows.reduce((sum, row) => sum + row.count, 0),
    };
  }

  async function expectCountsTrue(step: string, users = [operator, other]) {
    for (const user of users) {
      for (const status of [undefined, ...supportStatuses]) {
        for (const inboxId of [undefined, ...inboxes]) {
          const query = new URLSearchParams({ ...(status && { status }), ...(inboxId && { inboxId }) });
          const answer = (await call(user, 'GET', `/v1/support-conversations/counts?${query}`)) as Counts;
          expect(answer, `${step}: status ${status ?? 'unresolved'}, inbox ${inboxId ?? 'any'}`).toEqual(
            await counted(user, status, inboxId),
          );
        }
      }
    }
  }

  it('equal a count of the conversations after every kind of change', async () => {
    const contact = (await call(admin, 'POST', '/v1/contacts', { name: 'Ada' })).id as string;
    const open = async (inboxId: string) =>
      (await call(admin, 'POST', '/v1/support-conversations', { inboxId, contactId: contact })).id as string;
    const ids = [await open(inboxes[0]!), await open(inboxes[0]!), await open(inboxes[1]!), await open(inboxes[1]!)];
    await expectCountsTrue('created');
    const base = '/v1/support-conversations';
    await call(operator, 'POST', `${base}/${ids[0]}/take`, {});
    await call(admin, 'POST', `${base}/${ids[1]}/assign`, { operatorId: other.userId });
    await expectCountsTrue('taken and assigned');
    await call(operator, 'POST', `${base}/${ids[0]}/transfer`, { operatorId: other.userId });
    await call(other, 'POST', `${base}/${ids[1]}/snooze`, { until: new Date(Date.now() + 3_600_000).toISOString() });
    await call(admin, 'POST', `${base}/${ids[2]}/resolve`, {});
    await expectCountsTrue('transferred, snoozed, resolved');
    await call(operator, 'POST', `${base}/${ids[2]}/reopen`, {});
    await call(operator, 'POST', `${base}/${ids[3]}/take`, {});
    await expectCountsTrue('reopened and taken');

    // The assignee deleted: their conversations become unassigned.
    await call(admin, 'DELETE', `/v1/users/${other.userId}`);
    const orphaned = await t.database.db
      .select({ id: supportConversations.id })
      .from(supportConversations)
      .where(and(eq(supportConversations.tenantId, admin.tenantId), isNull(supportConversations.assigneeId)));
    expect(orphaned.length).toBeGreaterThan(0);
    await expectCountsTrue('an assignee deleted', [operator]);
    // An inbox deleted takes its conversations and their counts with it.
    await call(admin, 'DELETE', `/v1/inboxes/${inboxes[1]}`);
    await expectCountsTrue('an inbox deleted', [operator]);
  }, 120_000);

  it("filters the queue and its counts by channel: the tenant's inboxes of that kind", async () => {
    const contact = (await call(admin, 'POST', '/v1/contacts', { name: 'Bea' })).id as string;
    const bridge = (await call(admin, 'POST', '/v1/inboxes', { name: 'App bridge', kind: 'api' })).id as string;
    const open = async (inboxId: string) =>
      (await call(admin, 'POST', '/v1/support-conversations', { inboxId, contactId: contact })).id as string;
    const viaApi = [await open(bridge), await open(bridge)];
    const viaWidget = await open(inboxes[0]!);
    const listed = async (channel: string) =>
      ((await call(operator, 'GET', `/v1/support-conversations?view=all&channel=${channel}&limit=100`)) as {
        items: { id: string }[];
      }).items.map((item) => item.id);
    expect((await listed('api')).sort()).toEqual([...viaApi].sort());
    expect(await listed('widget')).toContain(viaWidget);
    expect(await listed('widget')).not.toContain(viaApi[0]);
    expect(await listed('email')).toEqual([]);
    const countsOf = (channel: string) => call(operator, 'GET', `/v1/support-conversations/counts?channel=${channel}`);
    expect(await countsOf('api')).toEqual({ mine: 0, unassigned: 2, all: 2 });
    expect(await countsOf('email')).toEqual({ mine: 0, unassigned: 0, all: 0 });
    const refused = await t.app.inject({
      method: 'GET',
      url: '/v1/support-conversations?channel=fax',
      headers: operator.headers,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ detail: string }>().detail).toContain('channel');
  });
});
