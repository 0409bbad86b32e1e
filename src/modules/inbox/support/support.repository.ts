import { and, asc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import type { PageCursor } from '../../../platform/db/pagination.js';
import {
  inboxes,
  supportConversations,
  supportEvents,
  supportNotes,
  supportQueueCounts,
  supportRatings,
  unassignedKey,
  users,
  type InboxKind,
  type SupportStatus,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type StoredSupportConversation = typeof supportConversations.$inferSelect;
export type StoredEvent = typeof supportEvents.$inferSelect;
export type StoredNote = typeof supportNotes.$inferSelect;

export interface QueueFilter {
  readonly status?: SupportStatus | undefined;
  readonly inboxId?: string | undefined;
  /** A user's id, or null for the unassigned. */
  readonly assigneeId?: string | null | undefined;
  /** Leave resolved conversations out (the queue's tabs without a status). */
  readonly isUnresolvedOnly?: boolean;
  /** Only the conversations of the tenant's inboxes of this kind. */
  readonly channel?: InboxKind | undefined;
}

/** The tenant's inboxes of one kind, as a subquery: a channel's filter on anything keyed by inbox. */
const inboxesOfKind = (db: Executor, tenantId: string, kind: InboxKind) =>
  db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.tenantId, tenantId), eq(inboxes.kind, kind)));

/** The tabs of the queue with how many conversations each holds. */
export interface QueueCounts {
  readonly mine: number;
  readonly unassigned: number;
  readonly all: number;
}

/** What the row must still be for a status change decided on it to apply. */
export interface ExpectedState {
  readonly status: SupportStatus;
  readonly assigneeId: string | null;
}

export type SupportChanges = Partial<
  Pick<StoredSupportConversation, 'status' | 'assigneeId' | 'snoozedUntil' | 'statusChangedAt'>
>;

const maxHistory = 1000;

export function createSupportRepository() {
  return {
    /** The queue: longest waiting first (by when the status last changed), keyset on (status_changed_at, id). */
    async listQueue(db: Executor, tenantId: string, filter: QueueFilter, limit: number, after?: PageCursor) {
      const conditions: (SQL | undefined)[] = [
        filter.status === undefined ? undefined : eq(supportConversations.status, filter.status),
        filter.isUnresolvedOnly ? ne(supportConversations.status, 'resolved') : undefined,
        filter.inboxId === undefined ? undefined : eq(supportConversations.inboxId, filter.inboxId),
        filter.channel === undefined
          ? undefined
          : inArray(supportConversations.inboxId, inboxesOfKind(db, tenantId, filter.channel)),
        filter.assigneeId === undefined
          ? undefined
          : filter.assigneeId === null
            ? isNull(supportConversations.assigneeId)
            : eq(supportConversations.assigneeId, filter.assigneeId),
        after
          ? sql`(${supportConversations.statusChangedAt}, ${supportConversations.id}) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ];
      return db
        .select({
          row: supportConversations,
          cursorAt: sql<string>`${supportConversations.statusChangedAt}::text`,
        })
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, ...conditions))
        .orderBy(asc(supportConversations.statusChangedAt), asc(supportConversations.id))
        .limit(limit + 1);
    },

    /**
     * Each tab's count from support_queue_counts, which a trigger keeps in step with every change (in its
     * transaction, so as exact as a count(*)): a few hundred rows whatever the number of conversations.
     */
    async countQueue(
      db: Executor,
      tenantId: string,
      userId: string,
      filter: Pick<QueueFilter, 'status' | 'inboxId' | 'channel'>,
    ): Promise<QueueCounts> {
      const counted = supportQueueCounts.conversations;
      const [row] = await db
        .select({
          mine: sql<number>`coalesce(sum(${counted}) filter (where ${supportQueueCounts.assigneeKey} = ${userId}), 0)::int`,
          unassigned: sql<number>`coalesce(sum(${counted}) filter (where ${supportQueueCounts.assigneeKey} = ${unassignedKey}), 0)::int`,
          all: sql<number>`coalesce(sum(${counted}), 0)::int`,
        })
        .from(supportQueueCounts)
        .where(
          inTenant(
            supportQueueCounts,
            tenantId,
            filter.status === undefined
              ? ne(supportQueueCounts.status, 'resolved')
              : eq(supportQueueCounts.status, filter.status),
            filter.inboxId === undefined ? undefined : eq(supportQueueCounts.inboxId, filter.inboxId),
            filter.channel === undefined
              ? undefined
              : inArray(supportQueueCounts.inboxId, inboxesOfKind(db, tenantId, filter.channel)),
          ),
        );
      return row ?? { mine: 0, unassigned: 0, all: 0 };
    },

    async listOfContact(db: Executor, tenantId: string, contactId: string, limit: number) {
      return db
        .select()
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.contactId, contactId)))
        .orderBy(sql`${supportConversations.createdAt} desc`, sql`${supportConversations.id} desc`)
        .limit(limit);
    },

    /** The contact's ratings of these conversations (those rated), for operators to see where they work. */
    async ratingsOf(db: Executor, tenantId: string, ids: readonly string[]) {
      if (ids.length === 0) return [];
      return db
        .select({
          supportConversationId: supportRatings.supportConversationId,
          rating: supportRatings.rating,
          comment: supportRatings.comment,
          isAiOnly: supportRatings.isAiOnly,
          createdAt: supportRatings.createdAt,
        })
        .from(supportRatings)
        .where(inTenant(supportRatings, tenantId, inArray(supportRatings.supportConversationId, [...ids])));
    },

    /** The conversation with whether its inbox has an AI agent (what a reopening goes back to). */
    async find(db: Executor, tenantId: string, id: string) {
      const [row] = await db
        .select({ conversation: supportConversations, inboxAgentId: inboxes.agentId })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, id)))
        .limit(1);
      return row;
    },

    /**
     * Snoozed conversations whose time has passed, every tenant's (the wake sweep runs as the system),
     * oldest first, keyset after `after`. Reads the partial index of snoozed rows only.
     */
    async findOverdueSnoozes(
      db: Executor,
      now: Date,
      limit: number,
      after?: { snoozedUntil: Date; id: string },
    ): Promise<{ tenantId: string; id: string; snoozedUntil: Date }[]> {
      const rows = await db
        .select({
          tenantId: supportConversations.tenantId,
          id: supportConversations.id,
          snoozedUntil: supportConversations.snoozedUntil,
        })
        .from(supportConversations)
        .where(
          and(
            eq(supportConversations.status, 'snoozed'),
            sql`${supportConversations.snoozedUntil} <= ${now.toISOString()}::timestamptz`,
            after
              ? sql`(${supportConversations.snoozedUntil}, ${supportConversations.id}) > (${after.snoozedUntil.toISOString()}::timestamptz, ${after.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(asc(supportConversations.snoozedUntil), asc(supportConversations.id))
        .limit(limit);
      return rows.map((row) => ({ ...row, snoozedUntil: row.snoozedUntil! }));
    },

    async insert(db: Executor, row: typeof supportConversations.$inferInsert): Promise<StoredSupportConversation> {
      const [inserted] = await db.insert(supportConversations).values(row).returning();
      return inserted!;
    },

    /**
     * Applies a change only if the row is still as it was read: of two operators taking one conversation
     * at once, the second finds it changed (PostgreSQL re-checks the WHERE after the first commits) and
     * changes nothing. Undefined then.
     */
    async updateIfUnchanged(
      db: Executor,
      tenantId: string,
      id: string,
      expected: ExpectedState,
      changes: SupportChanges,
    ): Promise<StoredSupportConversation | undefined> {
      const [row] = await db
        .update(supportConversations)
        .set({ ...changes, updatedAt: new Date() })
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.id, id),
            eq(supportConversations.status, expected.status),
            expected.assigneeId === null
              ? isNull(supportConversations.assigneeId)
              : eq(supportConversations.assigneeId, expected.assigneeId),
          ),
        )
        .returning();
      return row;
    },

    async setLabels(db: Executor, tenantId: string, id: string, labels: string[]) {
      const [row] = await db
        .update(supportConversations)
        .set({ labels, updatedAt: new Date() })
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, id)))
        .returning();
      return row;
    },

    async insertEvent(db: Executor, event: typeof supportEvents.$inferInsert): Promise<void> {
      await db.insert(supportEvents).values(event);
    },

    async listEvents(db: Executor, tenantId: string, id: string): Promise<StoredEvent[]> {
      return db
        .select()
        .from(supportEvents)
        .where(inTenant(supportEvents, tenantId, eq(supportEvents.supportConversationId, id)))
        .orderBy(asc(supportEvents.id))
        .limit(maxHistory);
    },

    async insertNote(db: Executor, note: typeof supportNotes.$inferInsert): Promise<StoredNote> {
      const [row] = await db.insert(supportNotes).values(note).returning();
      return row!;
    },

    async listNotes(db: Executor, tenantId: string, id: string): Promise<StoredNote[]> {
      return db
        .select()
        .from(supportNotes)
        .where(inTenant(supportNotes, tenantId, eq(supportNotes.supportConversationId, id)))
        .orderBy(asc(supportNotes.id))
        .limit(maxHistory);
    },

    /** The tenant's enabled user of that id, with their role (undefined: no such user here). */
    async findTeammate(db: Executor, tenantId: string, userId: string) {
      const [row] = await db
        .select({ id: users.id, role: users.role })
        .from(users)
        .where(and(inTenant(users, tenantId, eq(users.id, userId)), isNull(users.disabledAt)))
        .limit(1);
      return row;
    },

    async findInboxIds(db: Executor, tenantId: string, inboxIds: string[]) {
      if (inboxIds.length === 0) return [];
      return db
        .select({ id: inboxes.id, agentId: inboxes.agentId })
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, inArray(inboxes.id, inboxIds)));
    },
  };
}

export type SupportRepository = ReturnType<typeof createSupportRepository>;
