import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  inboxes,
  supportConversations,
  supportEvents,
  supportNotes,
  supportRatings,
  teams,
  users,
  type SupportStatus,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { createSupportQueueQueries } from './support-queue.repository.js';

export type { QueueCounts, QueueFilter } from './support-queue.repository.js';

export type StoredSupportConversation = typeof supportConversations.$inferSelect;
export type StoredEvent = typeof supportEvents.$inferSelect;
export type StoredNote = typeof supportNotes.$inferSelect;

/** What the row must still be for a status change decided on it to apply. */
export interface ExpectedState {
  readonly status: SupportStatus;
  readonly assigneeId: string | null;
  /**
   * Checked when given (a row read before gives it): a change decided on a conversation in one team's
   * queue does not apply once it moved to another, and of two moves to one team the second finds it moved.
   */
  readonly teamId?: string | null | undefined;
}

export type SupportChanges = Partial<
  Pick<StoredSupportConversation, 'status' | 'assigneeId' | 'snoozedUntil' | 'statusChangedAt' | 'teamId'>
>;

const maxHistory = 1000;

export function createSupportRepository() {
  return {
    ...createSupportQueueQueries(),

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

    /** A new conversation joins its inbox's team's queue (read in the insert itself: one statement). */
    async insert(db: Executor, row: typeof supportConversations.$inferInsert): Promise<StoredSupportConversation> {
      const inboxTeam = sql`(select ${inboxes.teamId} from ${inboxes} where ${inboxes.id} = ${row.inboxId} and ${inboxes.tenantId} = ${row.tenantId})`;
      const [inserted] = await db
        .insert(supportConversations)
        .values({ teamId: inboxTeam, ...row })
        .returning();
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
            expected.teamId === undefined
              ? undefined
              : expected.teamId === null
                ? isNull(supportConversations.teamId)
                : eq(supportConversations.teamId, expected.teamId),
          ),
        )
        .returning();
      return row;
    },

    /**
     * The row locked for a change decided on it (in the change's transaction): of two actors adding the
     * same label at once, the second reads the first's labels and adds nothing (support-updates.ts).
     */
    async findForUpdate(db: Executor, tenantId: string, id: string): Promise<StoredSupportConversation | undefined> {
      const [row] = await db
        .select()
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, id)))
        .for('update')
        .limit(1);
      return row;
    },

    /** Priority, team and labels: what changes a conversation without changing its status. */
    async setDetails(
      db: Executor,
      tenantId: string,
      id: string,
      details: Partial<Pick<StoredSupportConversation, 'priority' | 'teamId' | 'labels'>>,
    ): Promise<StoredSupportConversation | undefined> {
      const [row] = await db
        .update(supportConversations)
        .set({ ...details, updatedAt: new Date() })
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

    /** The tenant's team of that id (undefined: no such team here). */
    async findTeam(db: Executor, tenantId: string, teamId: string) {
      const [row] = await db
        .select({ id: teams.id, name: teams.name })
        .from(teams)
        .where(inTenant(teams, tenantId, eq(teams.id, teamId)))
        .limit(1);
      return row;
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
