import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  inboxes,
  messages,
  supportConversations,
  supportTargetClocks,
  teams,
  type ReplyTargetKind,
  type StoredBusinessHours,
  type StoredReplyTargets,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import type { StoredSupportConversation } from '../support/support.repository.js';

export type StoredClock = typeof supportTargetClocks.$inferSelect;

/** The targets a conversation's clocks follow, and the calendar they count on. */
export interface ApplicableTargets {
  readonly inboxId: string;
  readonly teamId: string | null;
  /** The team's if it has any, else the inbox's; null: no targets. */
  readonly targets: StoredReplyTargets | null;
  readonly businessHours: StoredBusinessHours | null;
}

/** A clock that neither met nor was cancelled. */
const isRunning = and(isNull(supportTargetClocks.metAt), isNull(supportTargetClocks.cancelledAt));

/** All SQL of reply-time targets: the clocks, and the due times the queue shows. */
/** Ends a conversation's running clocks of these kinds, met or cancelled: how many it ended. */
async function endRunning(
  db: Executor,
  tenantId: string,
  supportConversationId: string,
  targets: readonly ReplyTargetKind[],
  end: { metAt?: Date; cancelledAt?: Date; assigneeId: string | null },
): Promise<number> {
  const ended = await db
    .update(supportTargetClocks)
    .set(end)
    .where(
      inTenant(
        supportTargetClocks,
        tenantId,
        eq(supportTargetClocks.supportConversationId, supportConversationId),
        inArray(supportTargetClocks.target, [...targets]),
        isRunning,
      ),
    )
    .returning({ id: supportTargetClocks.id });
  return ended.length;
}

export function createReplyTargetsRepository() {
  return {
    async findApplicable(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await db
        .select({
          inboxId: supportConversations.inboxId,
          teamId: supportConversations.teamId,
          teamTargets: teams.replyTargets,
          inboxTargets: inboxes.replyTargets,
          businessHours: inboxes.businessHours,
        })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .leftJoin(teams, eq(teams.id, supportConversations.teamId))
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, supportConversationId)))
        .limit(1);
      if (!row) return undefined;
      return {
        inboxId: row.inboxId,
        teamId: row.teamId,
        targets: row.teamTargets ?? row.inboxTargets,
        businessHours: row.businessHours,
      } satisfies ApplicableTargets;
    },

    /** Whether the conversation ever had a clock of this kind (first response starts only once). */
    async hasEverStarted(db: Executor, tenantId: string, supportConversationId: string, target: ReplyTargetKind) {
      const [row] = await db
        .select({ id: supportTargetClocks.id })
        .from(supportTargetClocks)
        .where(
          inTenant(
            supportTargetClocks,
            tenantId,
            eq(supportTargetClocks.supportConversationId, supportConversationId),
            eq(supportTargetClocks.target, target),
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    /** When the latest clock of the kind started (undefined: none ever): a repeated trigger starts none. */
    async latestStart(db: Executor, tenantId: string, supportConversationId: string, target: ReplyTargetKind) {
      const [row] = await db
        .select({ startedAt: supportTargetClocks.startedAt })
        .from(supportTargetClocks)
        .where(
          inTenant(
            supportTargetClocks,
            tenantId,
            eq(supportTargetClocks.supportConversationId, supportConversationId),
            eq(supportTargetClocks.target, target),
          ),
        )
        .orderBy(desc(supportTargetClocks.startedAt))
        .limit(1);
      return row?.startedAt;
    },

    /** Starts a clock; a running one of the kind stays (the partial unique index), and false is answered. */
    async start(db: Executor, clock: typeof supportTargetClocks.$inferInsert): Promise<boolean> {
      const inserted = await db.insert(supportTargetClocks).values(clock).onConflictDoNothing().returning({
        id: supportTargetClocks.id,
      });
      return inserted.length > 0;
    },

    /** Meets the running clocks of these kinds: by the operator who answered or resolved (null: nobody). */
    meet: (
      db: Executor,
      tenantId: string,
      supportConversationId: string,
      targets: readonly ReplyTargetKind[],
      at: Date,
      assigneeId: string | null,
    ) => endRunning(db, tenantId, supportConversationId, targets, { metAt: at, assigneeId }),

    /** Cancels them: no reply is owed any more (resolved, or back with the AI). */
    cancel: (
      db: Executor,
      tenantId: string,
      supportConversationId: string,
      targets: readonly ReplyTargetKind[],
      at: Date,
      assigneeId: string | null,
    ) => endRunning(db, tenantId, supportConversationId, targets, { cancelledAt: at, assigneeId }),

    /** Copies the running clocks' due times onto the conversation (what the queue and the API show). */
    async syncDueTimes(
      db: Executor,
      tenantId: string,
      supportConversationId: string,
    ): Promise<StoredSupportConversation | undefined> {
      const dueOf = (target: ReplyTargetKind) =>
        sql`(select ${supportTargetClocks.dueAt} from ${supportTargetClocks}
          where ${supportTargetClocks.supportConversationId} = ${supportConversations.id}
            and ${supportTargetClocks.target} = ${target}
            and ${supportTargetClocks.metAt} is null and ${supportTargetClocks.cancelledAt} is null)`;
      const [row] = await db
        .update(supportConversations)
        .set({
          firstResponseDueAt: dueOf('first_response'),
          nextResponseDueAt: dueOf('next_response'),
          resolutionDueAt: dueOf('resolution'),
        })
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, supportConversationId)))
        .returning();
      return row;
    },

    /**
     * Running clocks past their due time whose breach nobody announced yet, every tenant's (the sweep
     * runs as the system), by due time: the partial index of exactly these rows.
     */
    async findOverdue(db: Executor, now: Date, limit: number) {
      return db
        .select()
        .from(supportTargetClocks)
        .where(and(isRunning, isNull(supportTargetClocks.breachedAt), lt(supportTargetClocks.dueAt, now)))
        .orderBy(asc(supportTargetClocks.dueAt), asc(supportTargetClocks.id))
        .limit(limit);
    },

    /**
     * Marks the breach, only if nobody did and the clock still runs: of two sweeps racing, one gets the
     * row (PostgreSQL re-checks the WHERE after the first commits) and announces it; the other gets none.
     */
    async markBreached(db: Executor, tenantId: string, clockId: string, at: Date): Promise<StoredClock | undefined> {
      const [row] = await db
        .update(supportTargetClocks)
        .set({ breachedAt: at })
        .where(
          inTenant(
            supportTargetClocks,
            tenantId,
            eq(supportTargetClocks.id, clockId),
            isRunning,
            isNull(supportTargetClocks.breachedAt),
          ),
        )
        .returning();
      return row;
    },

    async findConversation(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await db
        .select()
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, supportConversationId)))
        .limit(1);
      return row;
    },

    /** The support conversation behind a chat conversation, if any. */
    async findByChat(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select()
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.conversationId, conversationId)))
        .limit(1);
      return row;
    },

    /** Whether the last word before `before` in the chat was an operator's (a reply with its author's name). */
    async wasLastWordOperators(db: Executor, tenantId: string, conversationId: string, before: Date) {
      const [row] = await db
        .select({ role: messages.role, authorName: messages.authorName })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            inArray(messages.role, ['user', 'assistant']),
            lt(messages.createdAt, before),
          ),
        )
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(1);
      return row?.role === 'assistant' && row.authorName !== null;
    },

    /** The first operator's reply after `after` (a reply the log's reader finds already written). */
    async firstOperatorReplyAfter(db: Executor, tenantId: string, conversationId: string, after: Date) {
      const [row] = await db
        .select({ createdAt: messages.createdAt, authorId: messages.authorId })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            eq(messages.role, 'assistant'),
            isNotNull(messages.authorName),
            gt(messages.createdAt, after),
          ),
        )
        .orderBy(asc(messages.createdAt), asc(messages.id))
        .limit(1);
      return row;
    },

    /**
     * The log's contact messages in support conversations whose inbox or team has targets, as SQL on `e`
     * (the log reader's `only`): every other message is passed over without a look.
     */
    contactMessagesInLog() {
      return sql`e.type = 'message-created' and e.payload->>'role' = 'user'
        and exists (select 1 from support_conversations sc join inboxes i on i.id = sc.inbox_id
          left join teams t on t.id = sc.team_id
          where sc.conversation_id = e.conversation_id and sc.tenant_id = e.tenant_id
            and (i.reply_targets is not null or t.reply_targets is not null))`;
    },

    /** Every clock of a conversation, oldest first (its view for tests and the history). */
    async listClocks(db: Executor, tenantId: string, supportConversationId: string) {
      return db
        .select()
        .from(supportTargetClocks)
        .where(
          inTenant(supportTargetClocks, tenantId, eq(supportTargetClocks.supportConversationId, supportConversationId)),
        )
        .orderBy(asc(supportTargetClocks.startedAt), asc(supportTargetClocks.id));
    },
  };
}

export type ReplyTargetsRepository = ReturnType<typeof createReplyTargetsRepository>;
