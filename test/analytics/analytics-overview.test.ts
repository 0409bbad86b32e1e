import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsOverview } from '../../src/modules/analytics/index.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { expectedFor, percentile, type Expected } from './analytics-expected.js';
import { seedFixture, type FixtureIds } from './analytics-fixture.js';

describe('GET /v1/analytics/overview', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let ids: FixtureIds;
  let otherIds: FixtureIds;

  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Counted Ltd');
    const member = await createUser(t.app, admin, 'member');
    operator = await createUser(t.app, admin, 'operator');
    const operatorB = await createUser(t.app, admin, 'operator');
    ids = await seedFixture(
      t.database.db,
      {
        tenantId: admin.tenantId,
        adminId: admin.userId,
        memberId: member.userId,
        operatorIds: { opA: operator.userId, opB: operatorB.userId },
      },
      { pricesClaude: true },
    );
    // Another tenant with the same history: never counted in the first one's figures.
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Elsewhere Ltd');
    const otherMember = await createUser(t.app, otherAdmin, 'member');
    const otherOperator = await createUser(t.app, otherAdmin, 'operator');
    otherIds = await seedFixture(
      t.database.db,
      {
        tenantId: otherAdmin.tenantId,
        adminId: otherAdmin.userId,
        memberId: otherMember.userId,
        operatorIds: { opA: otherOperator.userId, opB: otherOperator.userId },
      },
      { pricesClaude: true },
    );
  });
  afterAll(() => t.close());

  const overview = (user: SignedInUser, query: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: `/v1/analytics/overview?${query}`, headers: { ...user.headers, ...headers } });
  const week = 'from=2026-03-02&to=2026-03-08';

  function expectFigures(body: AnalyticsOverview, expected: Expected) {
    const { totals } = body;
    expect(totals.conversations).toBe(expected.conversations);
    expect(totals.messages).toEqual({
      total: expected.user + expected.ai + expected.operator,
      user: expected.user,
      ai: expected.ai,
      operator: expected.operator,
    });
    expect(totals.activeUsers).toBe(expected.activeUsers);
    expect(totals.activeContacts).toBe(expected.activeContacts);
    expect(totals.supportConversations).toBe(expected.supportConversations);
    expect(totals.handedOff).toBe(expected.handedOff);
    expect(totals.aiResolved).toBe(expected.aiResolved);
    for (const [figure, values] of [
      [totals.firstResponseAi, expected.firstResponseAi],
      [totals.firstResponseHuman, expected.firstResponseHuman],
      [totals.resolution, expected.resolution],
    ] as const) {
      expect(figure.count).toBe(values.length);
      expect(figure.p50Ms).toBe(values.length ? Math.round(percentile(values, 0.5)!) : null);
      expect(figure.p90Ms).toBe(values.length ? Math.round(percentile(values, 0.9)!) : null);
    }
    expect(totals.csat.ratings).toBe(expected.ratings.length);
    if (expected.ratings.length === 0) expect(totals.csat.average).toBeNull();
    else {
      const average = expected.ratings.reduce((sum, rating) => sum + rating, 0) / expected.ratings.length;
      expect(totals.csat.average).toBeCloseTo(average, 3);
    }
    for (const value of [1, 2, 3, 4, 5] as const) {
      expect(totals.csat.distribution[value]).toBe(expected.ratings.filter((rating) => rating === value).length);
    }
    expect(totals.tokens).toEqual({ input: expected.inputTokens, output: expected.outputTokens });
    expect(totals.costUsd).toBeCloseTo(expected.costUsd, 6);
    expect(totals.knowledge.queries).toBe(expected.knowledgeQueries);
    expect(totals.knowledge.foundNothing).toBe(expected.foundNothing);
    expect(totals.knowledge.cited).toBe(expected.cited);
    expect(totals.tools).toEqual({
      calls: expected.toolCalls,
      failures: expected.toolFailures,
      failureRate: expected.toolCalls ? expected.toolFailures / expected.toolCalls : null,
    });
  }

  it("computes every figure of a week from the tenant's rows, leaving out the days either side", async () => {
    const response = await overview(admin, week);
    expect(response.statusCode).toBe(200);
    const body = response.json<AnalyticsOverview>();
    const expected = expectedFor({ fromDay: 0, toDay: 6 });
    // The fixture is meant to exercise every figure: guard against it quietly losing a case.
    expect(expected.firstResponseHuman.length).toBeGreaterThan(1);
    expect(expected.aiResolved).toBeGreaterThan(0);
    expectFigures(body, expected);
    expect(body.totals.handoffRate).toBeCloseTo(expected.handedOff / expected.supportConversations, 10);
  });

  it('gives one point per day, zeros included, that add up to the totals', async () => {
    const body = (await overview(admin, week)).json<AnalyticsOverview>();
    expect(body.series.map((point) => point.start)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
    ]);
    const sum = (pick: (point: AnalyticsOverview['series'][number]) => number) =>
      body.series.reduce((total, point) => total + pick(point), 0);
    expect(sum((point) => point.conversations)).toBe(body.totals.conversations);
    expect(sum((point) => point.userMessages)).toBe(body.totals.messages.user);
    expect(sum((point) => point.inputTokens)).toBe(body.totals.tokens.input);
    expect(sum((point) => point.costUsd)).toBeCloseTo(body.totals.costUsd, 6);
    // Day 0 holds two conversations (09:00 and 23:00 UTC), day 2 none.
    expect(body.series[0]!.conversations).toBe(expectedFor({ fromDay: 0, toDay: 0 }).conversations);
    expect(body.series[2]!.conversations).toBe(0);
  });

  it('buckets by week from Monday, and one day alone counts only that day', async () => {
    const weekly = (await overview(admin, 'from=2026-03-04&to=2026-03-10&bucket=week')).json<AnalyticsOverview>();
    expect(weekly.series.map((point) => point.start)).toEqual(['2026-03-02', '2026-03-09']);
    expectFigures(weekly, expectedFor({ fromDay: 2, toDay: 8 }));
    const lastDay = (await overview(admin, 'from=2026-03-08&to=2026-03-08')).json<AnalyticsOverview>();
    expectFigures(lastDay, expectedFor({ fromDay: 6, toDay: 6 }));
  });

  it('filters by agent, inbox and operator', async () => {
    const byAgent = (await overview(admin, `${week}&agentId=${ids.agents.second}`)).json<AnalyticsOverview>();
    expectFigures(byAgent, expectedFor({ fromDay: 0, toDay: 6, where: (spec) => spec.agent === 'second' }));
    const byInbox = (await overview(admin, `${week}&inboxId=${ids.inboxes.web}`)).json<AnalyticsOverview>();
    expectFigures(byInbox, expectedFor({ fromDay: 0, toDay: 6, where: (spec) => spec.support?.inbox === 'web' }));
    const byOperator = (await overview(admin, `${week}&operatorId=${ids.operators.opB}`)).json<AnalyticsOverview>();
    expectFigures(byOperator, expectedFor({ fromDay: 0, toDay: 6, where: (spec) => spec.support?.operator === 'opB' }));
  });

  it('lists calls, tokens and cost by provider and model (every path), the offline model free', async () => {
    const body = (await overview(admin, week)).json<AnalyticsOverview>();
    const offline = body.models.find((model) => model.model === 'offline');
    expect(offline).toMatchObject({ costUsd: 0, inputTokens: 40, outputTokens: 20, calls: 1, replies: 1 });
    const gpt = body.models.find((model) => model.model === 'gpt-4o-mini');
    // Four replies, and a title and a summary that wrote no message.
    expect(gpt).toMatchObject({ provider: 'acme', providerKind: 'openai', replies: 4, calls: 6 });
    expect(gpt!.inputTokens).toBe(1000 + 1500 + 500 + 300 + 120 + 400);
    // Each call's cost is kept to the millionth of a dollar when it is charged.
    expect(gpt!.costUsd).toBeCloseTo(
      ((1000 + 1500 + 500 + 300 + 120 + 400) * 0.15 + (200 + 300 + 50 + 30 + 8 + 60) * 0.6) / 1e6,
      6,
    );
    expect(body.totals.unpricedTokens).toBe(0);
  });

  it('shows spend per path, adding up to the totals', async () => {
    const body = (await overview(admin, week)).json<AnalyticsOverview>();
    const byPath = new Map(body.totals.spendByPath.map((spend) => [spend.path, spend]));
    expect(byPath.get('title')).toMatchObject({ calls: 1, inputTokens: 120, outputTokens: 8 });
    expect(byPath.get('summary')!.costUsd).toBeCloseTo((400 * 0.15 + 60 * 0.6) / 1e6, 9);
    expect(byPath.get('support')!.calls).toBeGreaterThan(0);
    const sum = (pick: (spend: (typeof body.totals.spendByPath)[number]) => number) =>
      body.totals.spendByPath.reduce((total, spend) => total + pick(spend), 0);
    expect(sum((spend) => spend.calls)).toBe(body.totals.modelCalls);
    expect(sum((spend) => spend.inputTokens)).toBe(body.totals.tokens.input);
    expect(sum((spend) => spend.costUsd)).toBeCloseTo(body.totals.costUsd, 6);
  });

  it('keeps each tenant to its own figures; a platform admin reads one tenant or all', async () => {
    const own = (await overview(otherAdmin, week)).json<AnalyticsOverview>();
    expectFigures(own, expectedFor({ fromDay: 0, toDay: 6 }));
    expect((await overview(otherAdmin, `${week}&tenantId=${admin.tenantId}`)).statusCode).toBe(404);
    expect((await overview(otherAdmin, `${week}&agentId=${ids.agents.first}`)).statusCode).toBe(404);
    expect((await overview(otherAdmin, `${week}&tenantId=all`)).statusCode).toBe(403);
    const one = (await overview(platformAdmin, `${week}&tenantId=${admin.tenantId}`)).json<AnalyticsOverview>();
    expectFigures(one, expectedFor({ fromDay: 0, toDay: 6 }));
    const all = (await overview(platformAdmin, `${week}&tenantId=all`)).json<AnalyticsOverview>();
    expect(all.range.tenantId).toBeNull();
    expect(all.totals.conversations).toBe(2 * expectedFor({ fromDay: 0, toDay: 6 }).conversations);
    expect(otherIds.agents.first).not.toBe(ids.agents.first);
  });

  it('is for administrators: an operator is refused', async () => {
    const response = await overview(operator, week);
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('totals');
  });

  it('exports the series as CSV by Accept header or ?format=csv', async () => {
    const byHeader = await overview(admin, week, { accept: 'text/csv' });
    expect(byHeader.statusCode).toBe(200);
    expect(byHeader.headers['content-type']).toContain('text/csv');
    expect(byHeader.headers['content-disposition']).toContain('parley-analytics-2026-03-02-to-2026-03-08-by-day.csv');
    const lines = byHeader.body.trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['start', 'conversations', 'userMessages']);
    expect(lines).toHaveLength(1 + 7);
    const json = (await overview(admin, week)).json<AnalyticsOverview>();
    const firstRow = lines[1]!.split(',');
    expect(firstRow[0]).toBe('2026-03-02');
    expect(Number(firstRow[1])).toBe(json.series[0]!.conversations);
    const byQuery = await overview(admin, `${week}&format=csv`);
    expect(byQuery.body).toBe(byHeader.body);
  });

  it('refuses a reversed range, one over a year, a non-date, an unknown bucket or filter id, with a 4xx that says why', async () => {
    const reversed = await overview(admin, 'from=2026-03-08&to=2026-03-02');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.body).toContain('must be on or after from');
    const long = await overview(admin, 'from=2024-01-01&to=2026-03-02');
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('at most 366');
    expect((await overview(admin, 'from=2026-02-30&to=2026-03-02')).statusCode).toBe(400);
    expect((await overview(admin, `${week}&bucket=month`)).statusCode).toBe(400);
    const unknownAgent = await overview(admin, `${week}&agentId=0190a0b0-0000-7000-8000-000000000000`);
    expect(unknownAgent.statusCode).toBe(404);
    expect(unknownAgent.body).toContain("Agent '0190a0b0-0000-7000-8000-000000000000' was not found");
    expect((await overview(admin, `${week}&colour=red`)).statusCode).toBe(400);
    const allWithFilter = await overview(platformAdmin, `${week}&tenantId=all&inboxId=${ids.inboxes.web}`);
    expect(allWithFilter.statusCode).toBe(400);
  });
});
