import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, createUser, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { clockOf, minuteOfDayIn } from '../../src/modules/companion/quiet-hours.js';

const sleepingCount = 3000;
const awakeCount = 10;

/**
 * The proactive scheduler's scan (docs/companion.md) leaves owners in quiet hours out in its query,
 * before its batch limit: thousands of due conversations of sleeping owners never hold up the awake ones
 * behind them. The rows are copied in bulk from one conversation each, to keep the test fast.
 */
describe('proactive scan under quiet hours', () => {
  let t: TestApp;
  let sleepingIds: string[];
  let awakeIds: string[];

  beforeAll(async () => {
    t = await buildTestApp();
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const sleeper = await createUser(t.app, admin);
    const waker = await createUser(t.app, admin);
    const agent = await createAgent(t.app, admin, {
      name: 'Night owl',
      model: 'offline',
      companion: { proactive: true, proactiveIdleMinutes: 60 },
    });
    const minute = minuteOfDayIn('Asia/Tokyo', new Date());
    const quiet = await t.app.inject({
      method: 'PUT',
      url: '/v1/auth/me/quiet-hours',
      headers: sleeper.headers,
      payload: {
        timeZone: 'Asia/Tokyo',
        quietHours: { start: clockOf((minute + 1440 - 120) % 1440), end: clockOf((minute + 120) % 1440) },
      },
    });
    expect(quiet.statusCode).toBe(200);
    const sleeping = await createConversation(t.app, sleeper, agent.id);
    const awake = await createConversation(t.app, waker, agent.id);
    const { rows: columnRows } = await t.database.executeSql(
      `select column_name as name from information_schema.columns
       where table_schema = current_schema() and table_name = 'conversations' and column_name not in ('id', 'last_activity_at')`,
    );
    const columns = (columnRows as { name: string }[]).map((column) => `"${column.name}"`).join(', ');
    // Copies of a conversation, all quiet for days; the sleeping owner's are the oldest, so first in line.
    const copy = async (templateId: string, count: number, daysAgo: number) => {
      const { rows } = await t.database.executeSql(
        `insert into conversations (id, last_activity_at, ${columns})
         select gen_random_uuid(), now() - interval '1 day' * $2 + interval '1 second' * n, ${columns}
         from conversations, generate_series(1, $3) as n where id = $1
         returning id`,
        [templateId, daysAgo, count],
      );
      return (rows as { id: string }[]).map((row) => row.id);
    };
    sleepingIds = await copy(sleeping.id, sleepingCount, 10);
    awakeIds = await copy(awake.id, awakeCount, 2);
    await t.database.executeSql('delete from conversations where id = any($1::uuid[])', [
      `{${sleeping.id},${awake.id}}`,
    ]);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  const decidedAmong = async (ids: readonly string[]) => {
    const { rows } = await t.database.executeSql(
      `select count(*)::int as count from pgboss.job
       where name = 'companion.proactive' and (data->>'conversationId')::uuid = any($1::uuid[])`,
      [`{${ids.join(',')}}`],
    );
    return (rows[0] as { count: number }).count;
  };

  it('serves the awake owners in the first pass behind 3,000 due conversations of an owner asleep', async () => {
    const pass = await t.app.runProactivePass();
    expect(pass.claimed).toBe(awakeCount);
    expect(await decidedAmong(awakeIds)).toBe(awakeCount);
    expect(await decidedAmong(sleepingIds)).toBe(0);
  }, 60_000);

  it('pages through every due conversation in one pass, past one batch of 2,000', async () => {
    // The owner wakes: all 3,000 are due now, more than one batch holds.
    await t.database.executeSql(
      'update users set quiet_hours_start = null, quiet_hours_end = null where id = (select owner_id from conversations where id = $1)',
      [sleepingIds[0]],
    );
    const pass = await t.app.runProactivePass();
    expect(pass.claimed).toBe(sleepingCount);
    expect(await decidedAmong(sleepingIds)).toBe(sleepingCount);
  }, 60_000);
});
