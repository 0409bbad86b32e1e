import { performance } from 'node:perf_hooks';
import { openBenchStorage } from '../retrieval/bench-storage.js';
import { seedHistory } from './seed.js';
import { createAnalyticsRollups } from '../../src/modules/analytics/analytics-rollups.js';
import { createAnalyticsRollupsRepository } from '../../src/modules/analytics/analytics-rollups.repository.js';
import { createAnalyticsRepository } from '../../src/modules/analytics/analytics.repository.js';
const storage = await openBenchStorage(process.env.DATABASE_URL);
let tenantId = process.env.TENANT;
if (!tenantId) {
  const seeded = await seedHistory(storage.handle, {
    conversations: Number(process.env.N ?? 100000),
    days: 90,
    end: new Date('2026-11-26T00:00:00Z'),
  });
  tenantId = seeded.tenantId;
  const r = createAnalyticsRollups({
    db: storage.handle.db,
    repository: createAnalyticsRollupsRepository(),
    logger: { warn: console.warn, info: () => undefined },
  });
  await r.rebuildAll([tenantId]);
  console.log('TENANT', tenantId);
}
const repo = createAnalyticsRepository();
const rr = createAnalyticsRollupsRepository();
const scope = {
  tenantId,
  from: new Date('2026-08-28T00:00:00Z'),
  until: new Date('2026-11-26T00:00:00Z'),
  bucket: 'day' as const,
};
const db = storage.handle.db;
for (let round = 0; round < 3; round++) {
  const out: string[] = [];
  for (const name of [
    'messageGroups',
    'activePeople',
    'conversations',
    'supportConversations',
    'ratings',
    'tools',
  ] as const) {
    const t0 = performance.now();
    await repo[name](db, scope);
    out.push(`${name} ${(performance.now() - t0).toFixed(1)}`);
  }
  let t0 = performance.now();
  await rr.pendingChanges(db, tenantId);
  out.push(`pending ${(performance.now() - t0).toFixed(1)}`);
  t0 = performance.now();
  await db.transaction(async (tx) => {
    await rr.lockTenant(tx, tenantId!);
    await rr.takeChanges(tx, tenantId!, 2000);
  });
  out.push(`batch ${(performance.now() - t0).toFixed(1)}`);
  t0 = performance.now();
  await Promise.all(
    (['messageGroups', 'activePeople', 'conversations', 'supportConversations', 'ratings', 'tools'] as const).map((n) =>
      repo[n](db, scope),
    ),
  );
  out.push(`parallel ${(performance.now() - t0).toFixed(1)}`);
  console.log(out.join(' | '));
}
process.exit(0);
