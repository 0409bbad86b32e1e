import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedHistory } from '../../bench/analytics/seed.js';
import { createAnalyticsRawRepository } from '../../src/modules/analytics/analytics-raw.repository.js';
import { createAnalyticsRollupsRepository } from '../../src/modules/analytics/analytics-rollups.repository.js';
import { createAnalyticsRollups } from '../../src/modules/analytics/analytics-rollups.js';
import type { AnalyticsScope } from '../../src/modules/analytics/analytics-rows.js';
import { createAnalyticsRepository } from '../../src/modules/analytics/analytics.repository.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

/**
 * Over a range holding most of a tenant's durations (2,000 or more), the rollups read each percentile by
 * walking an index in value order (analytics-percentiles.ts) instead of sorting: the figures must be
 * percentile_cont's, as the raw rows give them. The benchmark's history, smaller: 8,400 conversations.
 */
describe('analytics percentiles over a long range', () => {
  let t: TestApp;
  let seeded: Awaited<ReturnType<typeof seedHistory>>;
  const raw = createAnalyticsRawRepository();
  const rolled = createAnalyticsRepository();

  beforeAll(async () => {
    t = await buildTestApp({ ANALYTICS_REFRESH_INTERVAL_MS: '3600000' });
    seeded = await seedHistory(t.database, { conversations: 8_400, days: 30, end: new Date('2026-04-01T00:00:00Z') });
    const rollups = createAnalyticsRollups({
      db: t.database.db,
      repository: createAnalyticsRollupsRepository(),
      logger: { warn: () => undefined, info: () => undefined },
    });
    await rollups.rebuildAll([seeded.tenantId]);
  }, 120_000);
  afterAll(() => t.close());

  const scope = (extra: Partial<AnalyticsScope> = {}): AnalyticsScope => ({
    tenantId: seeded.tenantId,
    from: new Date('2026-03-02T00:00:00Z'),
    until: new Date('2026-04-01T00:00:00Z'),
    bucket: 'day',
    ...extra,
  });

  it('gives percentile_cont’s figures walking the index, by agent and inbox too, and sorting a short range', async () => {
    const scopes = [
      scope(),
      scope({ bucket: 'week' }),
      scope({ agentId: seeded.agentIds[0] }),
      scope({ inboxId: seeded.inboxIds[0] }),
      scope({ from: new Date('2026-03-10T00:00:00Z'), until: new Date('2026-03-12T00:00:00Z') }),
    ];
    for (const each of scopes) {
      const [rawConversations, rolledConversations, rawSupport, rolledSupport] = await Promise.all([
        raw.conversations(t.database.db, each),
        rolled.conversations(t.database.db, each),
        raw.supportConversations(t.database.db, each),
        rolled.supportConversations(t.database.db, each),
      ]);
      const total = <Row extends { bucket: string | null }>(rows: Row[]) => rows.find((row) => row.bucket === null);
      expect(total(rolledConversations), JSON.stringify(each)).toEqual(total(rawConversations));
      expect(total(rolledSupport), JSON.stringify(each)).toEqual(total(rawSupport));
    }
    // The long range does take the walk: enough AI responses and human responses in it.
    const whole = (await rolled.supportConversations(t.database.db, scope())).find((row) => row.bucket === null);
    expect(whole!.humanResponses).toBeGreaterThanOrEqual(2_000);
    const conversations = (await rolled.conversations(t.database.db, scope())).find((row) => row.bucket === null);
    expect(conversations!.aiResponses).toBeGreaterThanOrEqual(2_000);
  }, 60_000);
});
