import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import type { PageCursor } from '../../platform/db/pagination.js';
import { rowsOf } from '../../platform/db/raw-sql.js';
import type { AnalyticsBucket } from './analytics.schemas.js';
import { satisfiedFrom, type CsatGrouping } from './csat.schemas.js';

/** One tenant's ratings given in a half-open UTC range, optionally of one inbox, or of one operator. */
export interface CsatScope {
  readonly tenantId: string;
  readonly from: Date;
  /** Exclusive: the start of the day after the range's last day. */
  readonly until: Date;
  readonly inboxId?: string | undefined;
  /** Only the ratings of conversations this operator answered: what an operator (not an admin) reads. */
  readonly operatorId?: string | undefined;
}

/** Counts of one group in one period, or (bucket null) of the group over the whole range. */
export interface CsatGroupRow {
  readonly key: string | null;
  readonly name: string | null;
  readonly bucket: string | null;
  readonly ratings: number;
  readonly average: number | null;
  readonly satisfied: number;
}

export interface CsatTotalsRow {
  readonly ratings: number;
  readonly average: number | null;
  readonly satisfied: number;
}

export interface LowRatingRow {
  readonly supportConversationId: string;
  readonly rating: number;
  readonly comment: string | null;
  readonly contactId: string;
  readonly contactName: string | null;
  readonly operatorId: string | null;
  readonly operatorName: string | null;
  readonly inboxId: string;
  readonly inboxName: string;
  readonly labels: string[];
  readonly ratedAt: Date | string;
  /** created_at as PostgreSQL prints it: the page cursor keeps its microseconds. */
  readonly cursorAt: string;
}

/** Unit inlined, as in analytics-rows.ts: GROUP BY must see the same expression as SELECT. */
const periodOf = (interval: AnalyticsBucket): SQL =>
  sql`to_char(date_trunc(${sql.raw(interval === 'week' ? "'week'" : "'day'")}, r.created_at at time zone 'UTC'), 'YYYY-MM-DD')`;

/**
 * The ratings in scope, read through support_ratings_tenant_idx (tenant_id, created_at): a range of the
 * index, never the whole table. The support conversation is joined by its primary key; `joins` add more.
 */
const ratingsInScope = (scope: CsatScope, joins: SQL = sql``): SQL => sql`
  from support_ratings r
  join support_conversations sc on sc.id = r.support_conversation_id
  ${joins}
  where r.tenant_id = ${scope.tenantId}
    and r.created_at >= ${scope.from.toISOString()}::timestamptz
    and r.created_at < ${scope.until.toISOString()}::timestamptz
    ${scope.inboxId ? sql`and sc.inbox_id = ${scope.inboxId}` : sql``}
    ${scope.operatorId ? sql`and r.operator_id = ${scope.operatorId}` : sql``}`;

const figureColumns = sql`count(*)::int as ratings, avg(r.rating)::float8 as average,
  (count(*) filter (where r.rating >= ${sql.raw(String(satisfiedFrom))}))::int as satisfied`;

/** The group's key and name, and any join it needs. Labels unnest: a rating counts once per label. */
function grouping(groupBy: CsatGrouping): { key: SQL; name: SQL; join: SQL } {
  if (groupBy === 'inbox') {
    return { key: sql`sc.inbox_id::text`, name: sql`i.name`, join: sql`join inboxes i on i.id = sc.inbox_id` };
  }
  if (groupBy === 'label') {
    return {
      key: sql`l.label`,
      name: sql`l.label`,
      join: sql`left join lateral unnest(sc.labels) as l(label) on true`,
    };
  }
  return {
    key: sql`r.operator_id::text`,
    name: sql`coalesce(u.display_name, u.email)`,
    join: sql`left join users u on u.id = r.operator_id`,
  };
}

/** Per group: one row per period with ratings, and one (bucket null) for the whole range. */
export function groupsSql(scope: CsatScope, groupBy: CsatGrouping, interval: AnalyticsBucket): SQL {
  const { key, name, join } = grouping(groupBy);
  const period = periodOf(interval);
  return sql`
    select ${key} as key, ${name} as name,
      case when grouping(${period}) = 1 then null else ${period} end as bucket,
      ${figureColumns}
    ${ratingsInScope(scope, join)}
    group by grouping sets ((${key}, ${name}, ${period}), (${key}, ${name}))`;
}

/**
 * Ratings at or below `maxRating`, newest first, `limit + 1` rows (the extra says another page exists).
 * `maxRating` is a validated whole number, inlined so the planner can match it to the partial index
 * of low ratings (migration 0051) when it is the default.
 */
export function lowRatingsSql(scope: CsatScope, maxRating: number, limit: number, after: PageCursor | undefined): SQL {
  const cursor = after
    ? sql`and (r.created_at, r.support_conversation_id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
    : sql``;
  const joins = sql`
    join contacts c on c.id = sc.contact_id
    join inboxes i on i.id = sc.inbox_id
    left join users u on u.id = r.operator_id`;
  return sql`
    select r.support_conversation_id as "supportConversationId", r.rating, r.comment,
      sc.contact_id as "contactId", c.name as "contactName",
      r.operator_id as "operatorId", coalesce(u.display_name, u.email) as "operatorName",
      sc.inbox_id as "inboxId", i.name as "inboxName", sc.labels,
      r.created_at as "ratedAt", r.created_at::text as "cursorAt"
    ${ratingsInScope(scope, joins)}
      and r.rating <= ${sql.raw(String(Math.trunc(maxRating)))} ${cursor}
    order by r.created_at desc, r.support_conversation_id desc
    limit ${limit + 1}`;
}

export function createCsatRepository() {
  return {
    async groups(
      db: Executor,
      scope: CsatScope,
      groupBy: CsatGrouping,
      interval: AnalyticsBucket,
    ): Promise<CsatGroupRow[]> {
      return rowsOf<CsatGroupRow>(await db.execute(groupsSql(scope, groupBy, interval)));
    },

    /** The whole range, each rating once (the label groups may count one rating twice). */
    async totals(db: Executor, scope: CsatScope): Promise<CsatTotalsRow> {
      const rows = rowsOf<CsatTotalsRow>(await db.execute(sql`select ${figureColumns} ${ratingsInScope(scope)}`));
      return rows[0] ?? { ratings: 0, average: null, satisfied: 0 };
    },

    async lowRatings(
      db: Executor,
      scope: CsatScope,
      maxRating: number,
      limit: number,
      after: PageCursor | undefined,
    ): Promise<LowRatingRow[]> {
      return rowsOf<LowRatingRow>(await db.execute(lowRatingsSql(scope, maxRating, limit, after)));
    },
  };
}

export type CsatRepository = ReturnType<typeof createCsatRepository>;
