import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsatReport, LowRatingsPage } from '../../src/modules/analytics/csat.schemas.js';
import { groupsSql, lowRatingsSql } from '../../src/modules/analytics/csat.repository.js';
import { visitorNameOf } from '../../src/modules/inbox/contacts/visitor-names.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { seedRatings, type RatingSpec, type SeededRatings } from './csat-fixture.js';

/** Two weeks from Monday 2026-03-02; the last rating falls after them. */
const specs: readonly RatingSpec[] = [
  { inbox: 'web', labels: ['billing'], operator: 'opA', rating: 5, at: '2026-03-02T10:00:00Z' },
  {
    inbox: 'web',
    labels: ['billing', 'refunds'],
    operator: 'opA',
    rating: 2,
    comment: 'Took ages',
    contactName: 'Ann',
    at: '2026-03-03T10:00:00Z',
  },
  { inbox: 'web', rating: 4, at: '2026-03-03T11:00:00Z' },
  { inbox: 'app', labels: ['refunds'], operator: 'opB', rating: 1, comment: 'Rude', at: '2026-03-09T10:00:00Z' },
  { inbox: 'app', labels: ['billing'], operator: 'opB', rating: 4, at: '2026-03-10T10:00:00Z' },
  { inbox: 'web', operator: 'opA', rating: 3, at: '2026-03-20T10:00:00Z' },
];
const range = 'from=2026-03-02&to=2026-03-15';

describe('GET /v1/analytics/csat and /csat/low-ratings', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let seeded: SeededRatings;
  let operatorIds: Record<string, string>;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Rated Ltd');
    operator = await createUser(t.app, admin, 'operator');
    const operatorB = await createUser(t.app, admin, 'operator');
    operatorIds = { opA: operator.userId, opB: operatorB.userId };
    seeded = await seedRatings(
      t.database.db,
      { tenantId: admin.tenantId, ownerId: admin.userId, operators: operatorIds },
      ['web', 'app'],
      specs,
    );
    // Another tenant with the same ratings: never counted, never listed in the first one's.
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Elsewhere Ltd');
    const otherOperator = await createUser(t.app, otherAdmin, 'operator');
    await seedRatings(
      t.database.db,
      {
        tenantId: otherAdmin.tenantId,
        ownerId: otherAdmin.userId,
        operators: { opA: otherOperator.userId, opB: otherOperator.userId },
      },
      ['web', 'app'],
      specs,
    );
  });
  afterAll(() => t.close());

  const get = (user: SignedInUser, path: string) =>
    t.app.inject({ method: 'GET', url: `/v1/analytics/${path}`, headers: user.headers });
  const report = async (query: string) => {
    const answer = await get(admin, `csat?${query}`);
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json<CsatReport>();
  };

  it('groups by operator per day: count, average and share satisfied (4 or 5)', async () => {
    const body = await report(`${range}&groupBy=operator&interval=day`);
    expect(body.satisfiedFrom).toBe(4);
    expect(body.totals).toEqual({ ratings: 5, average: 3.2, satisfiedShare: 0.6 });
    const byKey = new Map(body.groups.map((group) => [group.key, group]));
    expect(byKey.get(operatorIds.opA!)).toMatchObject({
      ratings: 2,
      average: 3.5,
      satisfiedShare: 0.5,
      series: [
        { start: '2026-03-02', ratings: 1, average: 5, satisfiedShare: 1 },
        { start: '2026-03-03', ratings: 1, average: 2, satisfiedShare: 0 },
      ],
    });
    expect(byKey.get(operatorIds.opB!)?.series.map((point) => point.start)).toEqual(['2026-03-09', '2026-03-10']);
    expect(byKey.get(null)).toMatchObject({ name: 'No operator (AI alone)', ratings: 1, average: 4 });
    expect(body.groups).toHaveLength(3);
  });

  it('groups by inbox per week (weeks start on Monday) and by label (a rating in each of its labels)', async () => {
    const byInbox = await report(`${range}&groupBy=inbox&interval=week`);
    const web = byInbox.groups.find((group) => group.key === seeded.inboxIds.web);
    expect(web).toMatchObject({ name: 'web', ratings: 3, average: 3.67 });
    expect(web?.series).toEqual([{ start: '2026-03-02', ratings: 3, average: 3.67, satisfiedShare: 0.667 }]);
    const app = byInbox.groups.find((group) => group.key === seeded.inboxIds.app);
    expect(app?.series).toEqual([{ start: '2026-03-09', ratings: 2, average: 2.5, satisfiedShare: 0.5 }]);

    const byLabel = await report(`${range}&groupBy=label`);
    expect(byLabel.totals.ratings).toBe(5);
    expect(byLabel.groups.map((group) => [group.name, group.ratings, group.average])).toEqual([
      ['billing', 3, 3.67],
      ['refunds', 2, 1.5],
      ['No label', 1, 4],
    ]);
  });

  it('narrows to one inbox and answers an empty range with empty figures', async () => {
    const app = await report(`${range}&inboxId=${seeded.inboxIds.app}`);
    expect(app.totals.ratings).toBe(2);
    const empty = await report('from=2025-01-01&to=2025-01-31');
    expect(empty).toMatchObject({ totals: { ratings: 0, average: null, satisfiedShare: null }, groups: [] });
  });

  it('lists low ratings newest first, with comment, contact, operator and inbox, page by page', async () => {
    const first = await get(admin, `csat/low-ratings?${range}&limit=1`);
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<LowRatingsPage>();
    expect(page.items).toEqual([
      {
        supportConversationId: seeded.supportIds[3],
        rating: 1,
        comment: 'Rude',
        contact: { id: expect.any(String), name: visitorNameOf(page.items[0]!.contact.id) },
        operator: { id: operatorIds.opB, name: expect.any(String) },
        inbox: { id: seeded.inboxIds.app, name: 'app' },
        labels: ['refunds'],
        ratedAt: '2026-03-09T10:00:00.000Z',
      },
    ]);
    const second = (
      await get(admin, `csat/low-ratings?${range}&limit=1&cursor=${page.nextCursor}`)
    ).json<LowRatingsPage>();
    expect(second.items.map((item) => [item.comment, item.contact.name])).toEqual([['Took ages', 'Ann']]);
    expect(second.nextCursor).toBeNull();
    const upToThree = (
      await get(admin, `csat/low-ratings?from=2026-03-01&to=2026-03-31&maxRating=3`)
    ).json<LowRatingsPage>();
    expect(upToThree.items.map((item) => item.rating)).toEqual([3, 1, 2]);
  });

  it("shows another tenant nothing of these ratings, and a 404 for this tenant's inbox", async () => {
    const other = await get(otherAdmin, `csat?${range}`);
    expect(other.json<CsatReport>().totals.ratings).toBe(5);
    const otherLow = (await get(otherAdmin, `csat/low-ratings?${range}`)).json<LowRatingsPage>();
    expect(otherLow.items.map((item) => item.supportConversationId)).not.toContain(seeded.supportIds[3]);
    for (const path of ['csat', 'csat/low-ratings']) {
      const answer = await get(otherAdmin, `${path}?inboxId=${seeded.inboxIds.web}`);
      expect(answer.statusCode).toBe(404);
      expect(answer.json<{ detail: string }>().detail).toContain('Inbox');
    }
  });

  it('shows an operator the ratings of the conversations they answered, and only those; a member none', async () => {
    const own = await get(operator, `csat?${range}&groupBy=inbox`);
    expect(own.statusCode, own.body).toBe(200);
    // opA's two ratings in the range (5 and 2); opB's and the AI's are left out.
    expect(own.json<CsatReport>().totals).toEqual({ ratings: 2, average: 3.5, satisfiedShare: 0.5 });
    expect(own.json<CsatReport>().groups.map((group) => group.key)).toEqual([seeded.inboxIds.web]);
    const low = await get(operator, `csat/low-ratings?${range}&maxRating=2`);
    expect(low.statusCode, low.body).toBe(200);
    expect(low.json<LowRatingsPage>().items).toEqual([
      expect.objectContaining({
        rating: 2,
        comment: 'Took ages',
        operator: expect.objectContaining({ id: operator.userId }),
      }),
    ]);
    const member = await createUser(t.app, admin, 'member');
    for (const path of ['csat', 'csat/low-ratings']) {
      const refused = await get(member, path);
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ detail: string }>().detail).toContain('role');
    }
  });

  it.each([
    ['csat?groupBy=agent', 'groupBy'],
    ['csat?interval=month', 'interval'],
    ['csat?from=2026-03-08&to=2026-03-02', 'on or after from'],
    ['csat?from=2026-02-30', 'not a calendar date'],
    ['csat?bucket=day', 'bucket'],
    ['csat/low-ratings?maxRating=5', 'between 1 and 4'],
    ['csat/low-ratings?limit=500', 'at most 100'],
    ['csat/low-ratings?cursor=nonsense', 'nextCursor'],
  ])('answers %s with a 400 that says what to change', async (path, words) => {
    const answer = await get(admin, path);
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json<{ detail: string }>().detail).toContain(words);
  });

  it('reads the ratings by index: the tenant range, and the partial index of low ratings', async () => {
    const scope = { tenantId: admin.tenantId, from: new Date('2026-03-01'), until: new Date('2026-04-01') };
    const plan = (query: ReturnType<typeof lowRatingsSql>) =>
      t.database.db.transaction(async (tx) => {
        // The tables are small, so make the planner show the plan it would choose for big ones.
        await tx.execute(sql`set local enable_seqscan = off`);
        const result = await tx.execute(sql`explain ${query}`);
        return (result as { rows: Record<string, string>[] }).rows.map((row) => Object.values(row)[0]).join('\n');
      });
    expect(await plan(lowRatingsSql(scope, 2, 20, undefined))).toContain('support_ratings_low_idx');
    const groups = await plan(groupsSql(scope, 'operator', 'day'));
    expect(groups).toMatch(/support_ratings_(tenant|low)_idx/);
    expect(groups).not.toMatch(/Seq Scan on support_ratings/);
  });
});
