import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsRawRepository } from '../../src/modules/analytics/analytics-raw.repository.js';
import { createAnalyticsRollupsRepository } from '../../src/modules/analytics/analytics-rollups.repository.js';
import { createAnalyticsRollups } from '../../src/modules/analytics/analytics-rollups.js';
import {
  createConversationLogFeed,
  createConversationLogFeedRepository,
} from '../../src/modules/conversations/index.js';
import type { AnalyticsScope } from '../../src/modules/analytics/analytics-rows.js';
import { createAnalyticsRepository } from '../../src/modules/analytics/analytics.repository.js';
import type { AnalyticsOverview } from '../../src/modules/analytics/index.js';
import { newId } from '../../src/platform/ids.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { testStorage } from '../harness/test-database.js';
import { seedFixture, type FixtureIds } from './analytics-fixture.js';

const quiet = { warn: () => undefined, info: () => undefined };
const figures = ['messageGroups', 'activePeople', 'conversations', 'supportConversations', 'ratings', 'tools'] as const;

/** Rows in a stable order, floats to 9 places (an average is computed two ways). */
function normalized(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e9) / 1e9;
  if (Array.isArray(value)) {
    const items = value.map(normalized);
    return items.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))
      ? items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
      : items;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalized(item)]));
  }
  return value;
}

describe('analytics rollups', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let ids: FixtureIds;
  let other: SignedInUser;
  const raw = createAnalyticsRawRepository();
  const rolled = createAnalyticsRepository();
  const rollupsRepository = createAnalyticsRollupsRepository();
  let rollups: ReturnType<typeof createAnalyticsRollups>;

  beforeAll(async () => {
    // The app's own pass runs once at start-up, before anything is written: the recounts here are the test's.
    // A server-wide OpenAI provider (never called here): its models are priced by their kind.
    t = await buildTestApp({ ANALYTICS_REFRESH_INTERVAL_MS: '3600000', OPENAI_API_KEY: 'sk-test-unused' });
    // Messages reach the rollups through the conversations' log, read with the rollups' own reader.
    const feed = createConversationLogFeed({
      db: t.database.db,
      repository: createConversationLogFeedRepository(),
      logger: quiet,
    });
    rollups = createAnalyticsRollups({
      db: t.database.db,
      repository: rollupsRepository,
      logger: quiet,
      readLog: () => feed.catchUp('analytics'),
    });
    feed.add(rollups.logReader());
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Rolled Ltd');
    const member = await createUser(t.app, admin, 'member');
    const opA = await createUser(t.app, admin, 'operator');
    const opB = await createUser(t.app, admin, 'operator');
    ids = await seedFixture(
      t.database.db,
      {
        tenantId: admin.tenantId,
        adminId: admin.userId,
        memberId: member.userId,
        operatorIds: { opA: opA.userId, opB: opB.userId },
      },
      { pricesClaude: false },
    );
    other = await createTenantWithAdmin(t.app, platformAdmin, 'Other Ltd');
    const otherMember = await createUser(t.app, other, 'member');
    const otherOperator = await createUser(t.app, other, 'operator');
    await seedFixture(
      t.database.db,
      {
        tenantId: other.tenantId,
        adminId: other.userId,
        memberId: otherMember.userId,
        operatorIds: { opA: otherOperator.userId, opB: otherOperator.userId },
      },
      { pricesClaude: false },
    );
  });
  afterAll(() => t.close());

  const sql = (text: string, values: unknown[] = []) => t.database.executeSql(text, values);
  const scope = (extra: Partial<AnalyticsScope> = {}): AnalyticsScope => ({
    tenantId: admin.tenantId,
    from: new Date('2026-02-23T00:00:00Z'),
    until: new Date('2026-03-16T00:00:00Z'),
    bucket: 'day',
    ...extra,
  });

  /** After a refresh, every figure the rollups give equals the raw rows' for each scope. */
  async function expectRollupsMatchRaw(tenantId: string | null = admin.tenantId) {
    await rollups.refresh(tenantId);
    const scopes = [
      scope({ tenantId }),
      scope({ tenantId, bucket: 'week' }),
      scope({ tenantId, from: new Date('2026-03-03T00:00:00Z'), until: new Date('2026-03-04T00:00:00Z') }),
      ...(tenantId === null
        ? []
        : [
            scope({ agentId: ids.agents.first }),
            scope({ agentId: ids.agents.second }),
            scope({ inboxId: ids.inboxes.web }),
          ]),
    ];
    for (const each of scopes) {
      for (const figure of figures) {
        const [fromRaw, fromRollups] = await Promise.all([
          raw[figure](t.database.db, each),
          rolled[figure](t.database.db, each),
        ]);
        expect(normalized(fromRollups), `${figure} of ${JSON.stringify(each)}`).toEqual(normalized(fromRaw));
      }
    }
  }

  const firstConversationOf = async (agentId: string) =>
    (
      (await sql('select id from conversations where agent_id = $1 order by created_at limit 1', [agentId]))
        .rows[0] as { id: string }
    ).id;

  it('equals the raw rows for every figure, scope and bucket, for one tenant and for all', async () => {
    const before = await sql('select count(*)::int as n from analytics_conversation_facts');
    expect(before.rows[0]).toEqual({ n: 0 });
    await expectRollupsMatchRaw();
    await expectRollupsMatchRaw(null);
    const facts = await sql('select count(*)::int as n from analytics_conversation_facts where tenant_id = $1', [
      admin.tenantId,
    ]);
    const chats = await sql('select count(*)::int as n from conversations where tenant_id = $1', [admin.tenantId]);
    expect(facts.rows[0]).toEqual(chats.rows[0]);
    expect((await sql('select count(*)::int as n from analytics_changes')).rows[0]).toEqual({ n: 0 });
  });

  it('follows a conversation moved to another agent, a deleted conversation and a deleted agent', async () => {
    await sql('update conversations set agent_id = $1 where id = $2', [
      ids.agents.second,
      await firstConversationOf(ids.agents.first),
    ]);
    await expectRollupsMatchRaw();
    await sql('delete from conversations where id = $1', [await firstConversationOf(ids.agents.second)]);
    await expectRollupsMatchRaw();
    const spare = newId();
    await sql(
      `insert into agents (id, tenant_id, visibility, name, model) values ($1, $2, 'tenant', 'spare', 'offline')`,
      [spare, admin.tenantId],
    );
    await sql('update conversations set agent_id = $1 where id = $2', [
      spare,
      await firstConversationOf(ids.agents.first),
    ]);
    await expectRollupsMatchRaw();
    await sql('delete from agents where id = $1', [spare]);
    await expectRollupsMatchRaw();
  });

  it('follows a support conversation removed and put back, a status change, a rating and a tool call changed', async () => {
    const support = (
      await sql(
        `select row_to_json(sc)::text as row, sc.id from support_conversations sc
       where tenant_id = $1 and exists (select 1 from messages m where m.conversation_id = sc.conversation_id)
       order by created_at limit 1`,
        [admin.tenantId],
      )
    ).rows[0] as { row: string; id: string };
    await sql('delete from support_conversations where id = $1', [support.id]);
    await expectRollupsMatchRaw();
    await sql(
      'insert into support_conversations select * from json_populate_record(null::support_conversations, $1::json)',
      [support.row],
    );
    await sql(
      `insert into support_events (id, tenant_id, support_conversation_id, actor_kind, action, from_status, to_status, created_at)
       select $1, tenant_id, id, 'system', 'handoff', 'bot', 'pending', created_at + interval '3 minutes' from support_conversations where id = $2`,
      [newId(), support.id],
    );
    await expectRollupsMatchRaw();
    await sql('update support_ratings set rating = 1 where tenant_id = $1', [admin.tenantId]);
    await sql(`update tool_executions set outcome = 'success' where tenant_id = $1 and outcome <> 'success'`, [
      admin.tenantId,
    ]);
    await expectRollupsMatchRaw();
    await sql('delete from tool_executions where id = (select id from tool_executions where tenant_id = $1 limit 1)', [
      admin.tenantId,
    ]);
    await expectRollupsMatchRaw();
  });

  it('follows a reply that finishes streaming, and leaves no note for a read receipt', async () => {
    const conversationId = await firstConversationOf(ids.agents.first);
    const replyId = newId();
    await sql(
      `insert into messages (id, tenant_id, conversation_id, role, content, status, created_at)
       values ($1, $2, $3, 'user', 'hi', 'complete', '2026-03-05T10:00:00Z'),
              ($4, $2, $3, 'assistant', '', 'streaming', '2026-03-05T10:00:01Z')`,
      [newId(), admin.tenantId, conversationId, replyId],
    );
    await expectRollupsMatchRaw();
    await sql(
      `update messages set status = 'complete', model = 'acme:gpt-4o-mini', input_tokens = 10, output_tokens = 5,
         completed_at = '2026-03-05T10:00:04Z' where id = $1`,
      [replyId],
    );
    await expectRollupsMatchRaw();
    await sql(`update messages set read_at = now(), alive_at = now() where id = $1`, [replyId]);
    expect((await sql('select count(*)::int as n from analytics_changes')).rows[0]).toEqual({ n: 0 });
  });

  it('counts every message written while recounts run beside the writers', async () => {
    const conversationIds = [await firstConversationOf(ids.agents.first), await firstConversationOf(ids.agents.second)];
    const writer = async (index: number) => {
      for (let n = 0; n < 15; n += 1) {
        await sql(
          `insert into messages (id, tenant_id, conversation_id, role, content, status, model, input_tokens, created_at)
           values ($1, $2, $3, $4, 'x', 'complete', 'acme:gpt-4o-mini', 7, $5)`,
          [
            newId(),
            admin.tenantId,
            conversationIds[index % 2],
            n % 2 === 0 ? 'user' : 'assistant',
            `2026-03-0${3 + (n % 4)}T12:00:00Z`,
          ],
        );
      }
    };
    let writing = true;
    const recounting = async () => {
      while (writing) await rollups.refresh(admin.tenantId);
    };
    const recounters = [recounting(), recounting()];
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await Promise.all(recounters);
    await expectRollupsMatchRaw();
  });

  it.skipIf(testStorage !== 'postgres')(
    'keeps the note of a write that commits after a recount took the others (two connections)',
    async () => {
      const conversationId = await firstConversationOf(ids.agents.first);
      const tokensBefore = async () =>
        (
          (
            await sql(
              `select coalesce(sum(input_tokens), 0)::int as n from analytics_daily_messages where tenant_id = $1`,
              [admin.tenantId],
            )
          ).rows[0] as { n: number }
        ).n;
      const counted = await tokensBefore();
      await t.database.withOwnSession(async (session) => {
        await session.executeSql('begin');
        await session.executeSql(
          `insert into messages (id, tenant_id, conversation_id, role, content, status, model, input_tokens, created_at)
           values ($1, $2, $3, 'assistant', 'late', 'complete', 'acme:gpt-4o-mini', 1000, '2026-03-04T08:00:00Z')`,
          [newId(), admin.tenantId, conversationId],
        );
        // A recount now cannot see the write nor its note: it must leave the note for later.
        await rollups.refresh(admin.tenantId);
        expect(await tokensBefore()).toBe(counted);
        await session.executeSql('commit');
      });
      await expectRollupsMatchRaw();
      expect(await tokensBefore()).toBe(counted + 1000);
    },
  );

  it('rebuilds a tenant from scratch to the same figures, and a deleted tenant leaves no work behind', async () => {
    await sql('delete from analytics_daily_messages where tenant_id = $1', [admin.tenantId]);
    await sql('delete from analytics_conversation_facts where tenant_id = $1', [admin.tenantId]);
    await rollups.rebuildAll([admin.tenantId]);
    await expectRollupsMatchRaw();
    await sql('delete from tenants where id = $1', [other.tenantId]);
    expect(
      ((await sql('select count(*)::int as n from analytics_changes')).rows[0] as { n: number }).n,
    ).toBeGreaterThan(0);
    await rollups.refresh(null);
    expect((await sql('select count(*)::int as n from analytics_changes')).rows[0]).toEqual({ n: 0 });
    expect(
      (await sql('select count(*)::int as n from analytics_daily_people where tenant_id = $1', [other.tenantId]))
        .rows[0],
    ).toEqual({ n: 0 });
  });

  it("names a server-wide provider's kind, and shows the cost the budgets charged", async () => {
    const conversationId = await firstConversationOf(ids.agents.first);
    // As the budgets charged it (at the fixture's price for openai / gpt-4o-mini: 0.15 in, 0.6 out).
    await sql(
      `insert into usage_ledger (tenant_id, month, created_at, path, conversation_id, provider, model_ref,
         input_tokens, output_tokens, cost_micros, latency_ms, outcome)
       values ($1, '2026-03-01', '2026-03-14T09:00:00Z', 'chat', $2, 'openai', 'openai:gpt-4o-mini',
         2000000, 1000000, 900000, 1200, 'finished')`,
      [admin.tenantId, conversationId],
    );
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/analytics/overview?from=2026-03-14&to=2026-03-14',
      headers: admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const { models } = response.json<AnalyticsOverview>();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ provider: 'openai', providerKind: 'openai', model: 'gpt-4o-mini' });
    expect(models[0]!.costUsd).toBeCloseTo(2 * 0.15 + 0.6, 9);
  });
});
