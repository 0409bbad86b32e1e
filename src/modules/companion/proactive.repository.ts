import { and, desc, eq, isNotNull, ne, or, sql } from 'drizzle-orm';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { agents, conversations, messages, proactiveOptOuts, users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { rowsOf } from '../../platform/db/raw-sql.js';

/** A conversation the scan found due, with its owner's quiet hours (checked in the service). */
export interface DueConversation {
  readonly id: string;
  readonly tenantId: string;
  readonly timeZone: string | null;
  readonly quietStart: number | null;
  readonly quietEnd: number | null;
}

/** Where a page of the scan ended: the last candidate it read, due or not. */
export interface ScanCursor {
  /** `last_activity_at` as text, exact to the microsecond. */
  readonly cursorAt: string;
  readonly id: string;
}

/** A page of the scan: its due conversations, how many candidates it read, and where it ended. */
export interface DuePage {
  readonly due: DueConversation[];
  /** Candidates read; fewer than the page's limit means the scan is over. */
  readonly scanned: number;
  readonly end?: ScanCursor;
}

export interface ClaimedDecision {
  readonly conversationId: string;
  readonly tenantId: string;
  readonly decisionId: string;
}

/** What can stop a proactive message, read again right before one is stored. */
export interface GuardFacts {
  readonly proactiveOff: boolean;
  readonly ownerDisabled: boolean;
  readonly optedOut: boolean;
  /** A person took the conversation over (support status pending, open or snoozed). */
  readonly takenOver: boolean;
  /** The owner has a message from the agent they have not read. */
  readonly unread: boolean;
}

export type MessageRow = typeof messages.$inferSelect;

const takenOverStatuses = sql`('pending', 'open', 'snoozed')`;
const noMessage = '00000000-0000-0000-0000-000000000000';

/** The guardrails of docs/companion.md as SQL on a conversation `c` (joined to its owner `u`). */
const guardFactsSql = sql`
  c.proactive_off as "proactiveOff",
  (u.disabled_at is not null) as "ownerDisabled",
  exists (select 1 from proactive_opt_outs o where o.user_id = c.owner_id and o.agent_id = c.agent_id) as "optedOut",
  exists (select 1 from support_conversations s where s.conversation_id = c.id
    and s.status in ${takenOverStatuses}) as "takenOver",
  exists (select 1 from messages m where m.conversation_id = c.id and m.role in ('assistant', 'system')
    and m.status not in ('pending', 'streaming')
    and m.id > coalesce(c.owner_read_through, ${noMessage}::uuid)) as "unread"`;

export function createProactiveRepository() {
  return {
    /**
     * One page of the scan: the next `limit` conversations of proactive agents quiet past
     * `idle × 2^unanswered` and below the agent's cap of unanswered messages, oldest quiet first after
     * `after`; and of those, the due ones: not waited on lately, not claimed (or claimed by a node that
     * died), and past every guardrail SQL can see. A page reads at most `limit` candidates per agent and
     * count of unanswered messages, so each statement is short however many are due (embedded storage's
     * one session lets requests in between, ADR 13). The scan is over once a page is not full.
     */
    async findDue(
      db: Executor,
      scan: {
        now: Date;
        claimTtlMs: number;
        limit: number;
        /** The minute of the day now per time zone (minutesOfDayEverywhere): owners in quiet hours are left out. */
        zoneMinutes: { zones: readonly string[]; minutes: readonly number[] };
        /** Where the previous page ended. */
        after?: ScanCursor | undefined;
      },
    ): Promise<DuePage> {
      const { now, claimTtlMs, limit, zoneMinutes, after } = scan;
      const at = now.toISOString();
      // Per agent and count of unanswered messages (materialized lists, and a lateral subquery), so the
      // planner reads conversations_proactive_scan_idx in order, from the cursor on, and stops at `limit`:
      // those at their cap, those active lately and those of earlier pages are never read.
      const result = await db.execute(sql`
        with proactive_agents as materialized (
          select id, tenant_id,
            coalesce((companion->>'proactiveIdleMinutes')::int, 1440) as idle,
            coalesce((companion->>'proactiveMaxUnanswered')::int, 1) as max_unanswered
          from agents where companion @> '{"proactive": true}'::jsonb
        ),
        zone_minutes as materialized (
          select * from unnest(${`{${zoneMinutes.zones.join(',')}}`}::text[], ${`{${zoneMinutes.minutes.join(',')}}`}::int[])
            as z(zone, minute)
        ),
        page as materialized (
          select c.*, a.idle from proactive_agents a
          cross join lateral generate_series(0, a.max_unanswered - 1) as u(unanswered)
          cross join lateral (
            select * from conversations c
            where c.agent_id = a.id and c.proactive_off = false and c.archived_at is null
              and c.proactive_unanswered = u.unanswered
              and c.last_activity_at <= ${at}::timestamptz - a.idle * power(2, u.unanswered) * interval '1 minute'
              and c.last_activity_at >= ${after?.cursorAt ?? '-infinity'}::timestamptz
              and (c.last_activity_at, c.id) > (${after?.cursorAt ?? '-infinity'}::timestamptz, ${after?.id ?? noMessage}::uuid)
            order by c.last_activity_at, c.id
            limit ${limit}
          ) c
          where c.tenant_id = a.tenant_id
          order by c.last_activity_at, c.id
          limit ${limit}
        ),
        page_end as (
          select count(*) over () as scanned, last_activity_at, id from page order by last_activity_at desc, id desc limit 1
        ),
        due as (
          select c.id, c.last_activity_at, c.tenant_id, u.time_zone, u.quiet_hours_start, u.quiet_hours_end
          from page c
          join users u on u.id = c.owner_id and u.disabled_at is null
          left join zone_minutes z on z.zone = coalesce(u.time_zone, 'UTC')
          -- In the owner's quiet hours (a span past midnight covers both sides): left out here, so thousands
          -- asleep never hold up those awake behind them.
          where not (u.quiet_hours_start is not null and u.quiet_hours_end is not null and z.minute is not null
              and case when u.quiet_hours_start < u.quiet_hours_end
                then z.minute >= u.quiet_hours_start and z.minute < u.quiet_hours_end
                else u.quiet_hours_start <> u.quiet_hours_end
                  and (z.minute >= u.quiet_hours_start or z.minute < u.quiet_hours_end) end)
            and (c.proactive_checked_at is null or c.proactive_checked_at <= ${at}::timestamptz - c.idle * interval '1 minute')
            and (c.proactive_claim is null or c.proactive_claimed_at <= ${at}::timestamptz - ${claimTtlMs} * interval '1 millisecond')
            and not exists (select 1 from proactive_opt_outs o where o.user_id = c.owner_id and o.agent_id = c.agent_id)
            and not exists (select 1 from support_conversations s where s.conversation_id = c.id
              and s.status in ${takenOverStatuses})
            and not exists (select 1 from messages m where m.conversation_id = c.id and m.role in ('assistant', 'system')
              and m.status not in ('pending', 'streaming')
              and m.id > coalesce(c.owner_read_through, ${noMessage}::uuid))
        )
        select e.scanned::int as "scanned", e.last_activity_at::text as "endAt", e.id as "endId",
          d.id, d.tenant_id as "tenantId", d.time_zone as "timeZone",
          d.quiet_hours_start as "quietStart", d.quiet_hours_end as "quietEnd"
        from page_end e left join due d on true
        order by d.last_activity_at, d.id`);
      const rows = rowsOf<DueConversation & { scanned: number; endAt: string; endId: string }>(result);
      const [first] = rows;
      if (!first) return { due: [], scanned: 0 };
      const due = rows
        .filter((row) => row.id !== null)
        .map(({ id, tenantId, timeZone, quietStart, quietEnd }) => ({ id, tenantId, timeZone, quietStart, quietEnd }));
      return { due, scanned: first.scanned, end: { cursorAt: first.endAt, id: first.endId } };
    },

    /**
     * Claims conversations for a decision each: a conditional update, so of two schedulers claiming the
     * same conversation at once exactly one gets it. A claim older than the TTL (its node died) is taken over.
     */
    async claim(db: Executor, ids: readonly string[], now: Date, claimTtlMs: number): Promise<ClaimedDecision[]> {
      if (ids.length === 0) return [];
      const at = now.toISOString();
      const result = await db.execute(sql`
        update conversations set proactive_claim = gen_random_uuid(), proactive_claimed_at = ${at}::timestamptz
        where id = any(${`{${ids.join(',')}}`}::uuid[])
          and (proactive_claim is null or proactive_claimed_at <= ${at}::timestamptz - ${claimTtlMs} * interval '1 millisecond')
        returning id as "conversationId", tenant_id as "tenantId", proactive_claim as "decisionId"`);
      return rowsOf<ClaimedDecision>(result);
    },

    /** The conversation as the decision job sees it; undefined once it (or its agent) is gone. */
    async decisionContext(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          ownerId: conversations.ownerId,
          agentId: agents.id,
          agentModel: agents.model,
          agentInstructions: agents.instructions,
          companion: agents.companion,
          claim: conversations.proactiveClaim,
          unanswered: conversations.proactiveUnanswered,
          lastActivityAt: conversations.lastActivityAt,
          archived: isNotNull(conversations.archivedAt),
          timeZone: users.timeZone,
          quietStart: users.quietHoursStart,
          quietEnd: users.quietHoursEnd,
        })
        .from(conversations)
        .innerJoin(agents, and(eq(agents.id, conversations.agentId), eq(agents.tenantId, conversations.tenantId)))
        .innerJoin(users, eq(users.id, conversations.ownerId))
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    async guardFacts(db: Executor, conversationId: string): Promise<GuardFacts | undefined> {
      const result = await db.execute(sql`
        select ${guardFactsSql} from conversations c join users u on u.id = c.owner_id where c.id = ${conversationId}`);
      return rowsOf<GuardFacts>(result)[0];
    },

    /** The conversation's latest finished messages, oldest first: what the decision reads. */
    async recentMessages(db: Executor, tenantId: string, conversationId: string, limit: number) {
      const rows = await db
        .select({ role: messages.role, content: messages.content })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            ne(messages.content, ''),
            or(eq(messages.role, 'user'), eq(messages.status, 'complete')),
          ),
        )
        .orderBy(desc(messages.id))
        .limit(limit);
      return rows.reverse();
    },

    /**
     * Stores the decision's message if the conversation is as the decision saw it: still claimed by it,
     * with the same count of unanswered messages and no activity since. The claim is cleared in the same
     * statement, so a second run of the decision (a retry, another node) stores nothing. `stillAllowed`
     * reads the guardrails again inside the transaction; false rolls it back. The message's insert logs
     * it (the conversation's log), which is all its announcement needs.
     */
    async storeProactiveMessage(
      db: Database,
      send: {
        tenantId: string;
        conversationId: string;
        decisionId: string;
        seen: { unanswered: number; lastActivityAt: Date };
        message: { id: string; content: string; model: string };
        now: Date;
      },
      stillAllowed: (tx: Executor) => Promise<boolean>,
    ): Promise<MessageRow | undefined> {
      return transaction(db, async (tx) => {
        const [claimed] = await tx
          .update(conversations)
          .set({
            proactiveClaim: null,
            proactiveClaimedAt: null,
            proactiveUnanswered: sql`${conversations.proactiveUnanswered} + 1`,
            proactiveCheckedAt: send.now,
            lastActivityAt: send.now,
            messageCount: sql`${conversations.messageCount} + 1`,
          })
          .where(
            inTenant(
              conversations,
              send.tenantId,
              eq(conversations.id, send.conversationId),
              eq(conversations.proactiveClaim, send.decisionId),
              eq(conversations.proactiveUnanswered, send.seen.unanswered),
              // Read back as a Date (milliseconds); the column may hold microseconds.
              sql`date_trunc('milliseconds', ${conversations.lastActivityAt}) = ${send.seen.lastActivityAt.toISOString()}::timestamptz`,
            ),
          )
          .returning({ id: conversations.id });
        if (!claimed) return undefined;
        if (!(await stillAllowed(tx))) throw new RolledBack();
        const completedAt = new Date();
        const [stored] = await tx
          .insert(messages)
          .values({
            id: send.message.id,
            tenantId: send.tenantId,
            conversationId: send.conversationId,
            role: 'assistant',
            content: send.message.content,
            status: 'complete',
            model: send.message.model,
            finishReason: 'stop',
            completedAt,
            proactive: true,
          })
          .returning();
        return stored;
      }).catch((error: unknown) => {
        if (error instanceof RolledBack) return undefined;
        throw error;
      });
    },

    /** Ends a decision that sends nothing; `checkedAt` (a wait) holds the conversation back one idle period. */
    async release(db: Executor, conversationId: string, decisionId: string, checkedAt?: Date): Promise<void> {
      await db
        .update(conversations)
        .set({
          proactiveClaim: null,
          proactiveClaimedAt: null,
          ...(checkedAt && { proactiveCheckedAt: checkedAt }),
        })
        .where(and(eq(conversations.id, conversationId), eq(conversations.proactiveClaim, decisionId)));
    },

    async conversationSetting(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          proactiveOff: conversations.proactiveOff,
          unanswered: conversations.proactiveUnanswered,
          agentId: conversations.agentId,
        })
        .from(conversations)
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    async setConversationOff(db: Executor, tenantId: string, conversationId: string, off: boolean): Promise<void> {
      await db
        .update(conversations)
        .set({ proactiveOff: off })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
    },

    async isOptedOut(db: Executor, userId: string, agentId: string): Promise<boolean> {
      const [row] = await db
        .select({ agentId: proactiveOptOuts.agentId })
        .from(proactiveOptOuts)
        .where(and(eq(proactiveOptOuts.userId, userId), eq(proactiveOptOuts.agentId, agentId)));
      return row !== undefined;
    },

    async setOptOut(db: Executor, opt: { tenantId: string; userId: string; agentId: string; off: boolean }) {
      if (!opt.off) {
        await db
          .delete(proactiveOptOuts)
          .where(and(eq(proactiveOptOuts.userId, opt.userId), eq(proactiveOptOuts.agentId, opt.agentId)));
        return;
      }
      await db
        .insert(proactiveOptOuts)
        .values({ tenantId: opt.tenantId, userId: opt.userId, agentId: opt.agentId })
        .onConflictDoNothing();
    },

    async quietHoursOf(db: Executor, tenantId: string, userId: string) {
      const [row] = await db
        .select({ timeZone: users.timeZone, start: users.quietHoursStart, end: users.quietHoursEnd })
        .from(users)
        .where(inTenant(users, tenantId, eq(users.id, userId)));
      return row;
    },

    async setQuietHours(
      db: Executor,
      tenantId: string,
      userId: string,
      values: { timeZone?: string | null; start?: number | null; end?: number | null },
    ): Promise<void> {
      await db
        .update(users)
        .set({
          ...(values.timeZone !== undefined && { timeZone: values.timeZone }),
          ...(values.start !== undefined && { quietHoursStart: values.start, quietHoursEnd: values.end ?? null }),
        })
        .where(inTenant(users, tenantId, eq(users.id, userId)));
    },
  };
}

/** Thrown inside the store transaction when a guardrail closed meanwhile: nothing is stored. */
class RolledBack extends Error {}

export type ProactiveRepository = ReturnType<typeof createProactiveRepository>;
