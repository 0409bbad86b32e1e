import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { rowsOf } from '../../platform/db/raw-sql.js';
import type { ReplyTargetKind } from '../../platform/db/schema/index.js';
import type { ReplyTargetGrouping } from './reply-targets-report.schemas.js';

/** One tenant's clocks started in a half-open UTC range, optionally of one inbox or team, or one operator's. */
export interface ReplyTargetsScope {
  readonly tenantId: string;
  readonly from: Date;
  /** Exclusive: the start of the day after the range's last day. */
  readonly until: Date;
  readonly inboxId?: string | undefined;
  readonly teamId?: string | undefined;
  /** Only the clocks this operator met (or missed): what an operator, not an admin, reads. */
  readonly operatorId?: string | undefined;
  /** When a clock neither met nor cancelled counts as missed: past its due time by now. */
  readonly now: Date;
}

export interface ReplyTargetsGroupRow {
  readonly key: string | null;
  readonly name: string | null;
  readonly target: ReplyTargetKind;
  readonly met: number;
  readonly missed: number;
}

const groupColumns: Record<ReplyTargetGrouping, { key: SQL; name: SQL }> = {
  team: { key: sql`c.team_id::text`, name: sql`t.name` },
  inbox: { key: sql`c.inbox_id::text`, name: sql`i.name` },
  operator: { key: sql`c.assignee_id::text`, name: sql`coalesce(u.display_name, u.email)` },
};

/**
 * Met and missed reply-time clocks, read straight from support_target_clocks through its index on
 * (tenant_id, started_at). Met: a reply (or the resolve) by the due time. Missed: a breach announced, a
 * reply after the due time, or none yet (or the conversation resolved without one) once it has passed.
 * The rest still run, or were cancelled in time (resolved before a reply was owed).
 */
export function createReplyTargetsReportRepository() {
  return {
    async groups(
      db: Executor,
      scope: ReplyTargetsScope,
      groupBy: ReplyTargetGrouping,
    ): Promise<ReplyTargetsGroupRow[]> {
      const { key, name } = groupColumns[groupBy];
      const now = scope.now.toISOString();
      const result = await db.execute(sql`
        select ${key} as key, ${name} as name, c.target,
          count(*) filter (where c.met_at <= c.due_at and c.breached_at is null)::int as met,
          count(*) filter (where c.breached_at is not null
            or coalesce(c.met_at, c.cancelled_at, ${now}::timestamptz) > c.due_at)::int as missed
        from support_target_clocks c
          left join teams t on t.id = c.team_id
          left join inboxes i on i.id = c.inbox_id
          left join users u on u.id = c.assignee_id
        where c.tenant_id = ${scope.tenantId}
          and c.started_at >= ${scope.from.toISOString()}::timestamptz
          and c.started_at < ${scope.until.toISOString()}::timestamptz
          ${scope.inboxId ? sql`and c.inbox_id = ${scope.inboxId}` : sql``}
          ${scope.teamId ? sql`and c.team_id = ${scope.teamId}` : sql``}
          ${scope.operatorId ? sql`and c.assignee_id = ${scope.operatorId}` : sql``}
        group by 1, 2, 3`);
      return rowsOf<ReplyTargetsGroupRow>(result).map((row) => ({
        ...row,
        met: Number(row.met),
        missed: Number(row.missed),
      }));
    },

    /** Whether the tenant has the inbox or team a filter names. */
    async exists(db: Executor, kind: 'inbox' | 'team', id: string, tenantId: string): Promise<boolean> {
      const table = kind === 'inbox' ? sql`inboxes` : sql`teams`;
      const result = await db.execute(sql`select 1 from ${table} where id = ${id} and tenant_id = ${tenantId} limit 1`);
      return rowsOf(result).length > 0;
    },
  };
}

export type ReplyTargetsReportRepository = ReturnType<typeof createReplyTargetsReportRepository>;
