import { and, desc, eq, isNotNull, ne, or, sql } from 'drizzle-orm';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { agents, conversations, messages, proactiveOptOuts, users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { rowsOf } from '../../platform/db/raw-sql.js';

/** A conversation the scan found due, with its owner's quiet hours (checked in the service). */
export interface DueConversation {
  readonly id: string;
  /** `last_activity_at` as text, exact to the microsecond: with the id, where the next page starts. */
  readonly cursorAt: string;
  readonly tenantId: string;
  readonly timeZone: string | null;
  readonly quietStart: number | null;
  readonly quietEnd: number | null;
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
     * The conversations of proactive agents quiet past `idle × 2^unanswered`, below the agent's cap of
     * unanswered messages, not waited on lately, not claimed (or claimed by a node that died), and past
     * every guardrail SQL can see. Oldest quiet first.
     */
    async findDue(
      db: Executor,
      scan: {
        now: Date;
        claimTtlMs: number;
        limit: number;
        /** The minute of the day now per time zone (minutesOfDayEverywhere): owners in quiet hours are left out. */
        zoneMinutes: { zones: readonly string[]; minutes: readonly number[] };
        /** The previous page's last row. */
        after?: { cursorAt: string; id: string } | undefined;
      },
    ): Promise<DueConversation[]> {
      const { now, claimTtlMs, limit, zoneMinutes, after } = scan;
      const at = now.toISOString();
      // Per agent (a materialized list, and a lateral subquery kept apart by `offset 0`), so the planner
      // seeks conversations_proactive_scan_idx with that agent's own cap and idle bound instead of
      // scanning every conversation: those at their cap and those active lately are never read.
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
        )
        select c.id, c.last_activity_at::text as "cursorAt", c.tenant_id as "tenantId", u.time_zone as "timeZone",
          u.quiet_hours_start as "quietStart", u.quiet_hours_end as "quietEnd"
        from proactive_agents a
        cross join lateral (
          select * from conversations c
          where c.agent_id = a.id and c.proactive_off = false and c.archived_at is null
            and c.proactive_unanswered < a.max_unanswered
            and c.last_activity_at <= ${at}::timestamptz - a.idle * interval '1 minute'
          offset 0
        ) c
        join users u on u.id = c.owner_id and u.disabled_at is null
        left join zone_minutes z on z.zone = coalesce(u.time_zone, 'UTC')
        where c.tenant_id = a.tenant_id
          -- In the owner's quiet hours (a span past midnight covers both sides): left out before the limit,
          -- so thousands asleep never hold up those awake behind them.
          and not (u.quiet_hours_start is not null and u.quiet_hours_end is not null and z.minute is not null
            and case when u.quiet_hours_start < u.quiet_hours_end
              then z.minute >= u.quiet_hours_start and z.minute < u.quiet_hours_end
              else u.quiet_hours_start <> u.quiet_hours_end
                and (z.minute >= u.quiet_hours_start or z.minute < u.quiet_hours_end) end)
          and (${after === undefined} or (c.last_activity_at, c.id) > (${after?.cursorAt ?? at}::timestamptz, ${after?.id ?? noMessage}::uuid))
          and c.last_activity_at <= ${at}::timestamptz - a.idle * power(2, c.proactive_unanswered) * interval '1 minute'
          and (c.proactive_checked_at is null or c.proactive_checked_at <= ${at}::timestamptz - a.idle * interval '1 minute')
          and (c.proactive_claim is null or c.proactive_claimed_at <= ${at}::timestamptz - ${claimTtlMs} * interval '1 millisecond')
          and not exists (select 1 from proactive_opt_outs o where o.user_id = c.owner_id and o.agent_id = c.agent_id)
          and not exists (select 1 from support_conversations s where s.conversation_id = c.id
            and s.status in ${takenOverStatuses})
          and not exists (select 1 from messages m where m.conversation_id = c.id and m.role in ('assistant', 'system')
            and m.status not in ('pending', 'streaming')
            and m.id > coalesce(c.owner_read_through, ${noMessage}::uuid))
        order by c.last_activity_at, c.id
        limit ${limit}`);
      return rowsOf<DueConversation>(result);
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
     * reads the guardrails again inside the transaction; false rolls it back. `whenStored` writes what
     * belongs with the message (its announcement) in the same transaction.
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
      whenStored: (tx: Executor, stored: MessageRow) => Promise<void>,
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
        if (stored) await whenStored(tx, stored);
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
