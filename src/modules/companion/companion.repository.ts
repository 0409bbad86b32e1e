import { and, asc, desc, eq, gt, inArray, isNull, lte, notInArray, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  agents,
  conversationSummaries,
  conversations,
  messages,
  supportConversations,
} from '../../platform/db/schema/index.js';
import { preparedFor } from '../../platform/db/prepared.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type SummaryRow = typeof conversationSummaries.$inferSelect;
export type ReadSide = 'owner' | 'others';

/** A message the summary job reads. */
export interface SummarisedMessage {
  readonly id: string;
  readonly role: 'user' | 'assistant' | 'system';
  readonly content: string;
}

/** Whose messages a side reads: the owner reads the agent's, anyone else the owner's. */
const rolesReadBy = (side: ReadSide) => (side === 'owner' ? (['assistant', 'system'] as const) : (['user'] as const));
/** A reply still being written is not read yet, whatever the reader's position. */
const unfinished = ['pending', 'streaming'] as const;

/** A conversation's summaries (those that end at or before `throughId`, when one is named). */
const summariesThrough = (tenantId: string, conversationId: string, throughId?: string) =>
  inTenant(
    conversationSummaries,
    tenantId,
    eq(conversationSummaries.conversationId, conversationId),
    throughId === undefined ? undefined : lte(conversationSummaries.lastMessageId, throughId),
  );
const newestFirst = desc(conversationSummaries.lastMessageId);

type IdOrPlaceholder<Name extends string> = string | Placeholder<Name>;

/** The count of user messages after `after` (an id, or an expression giving one), through `throughId`. */
function userTurnsAfter(
  db: Executor,
  tenantId: IdOrPlaceholder<'tenantId'>,
  conversationId: IdOrPlaceholder<'conversationId'>,
  after: string | SQL | undefined,
  throughId: string | Placeholder,
) {
  return db
    .select({ count: sql<number>`count(*)::int` })
    .from(messages)
    .where(
      inTenant(
        messages,
        tenantId,
        eq(messages.conversationId, conversationId),
        eq(messages.role, 'user'),
        after === undefined ? undefined : gt(messages.id, after),
        lte(messages.id, throughId),
      ),
    );
}

/**
 * The user's turns since the conversation's newest summary that ends by `throughId`, through it, with the
 * tenant and conversation as the placeholders `tenantId` and `conversationId`: whether a summary is due
 * after a reply. A chat turn reads it in the statement that stores its reply (issue 63: one statement
 * after the model); anything else reads it prepared (`countUserTurnsSinceSummary`).
 */
export function userTurnsSinceSummaryQuery(db: Executor, throughId: Placeholder) {
  const tenantId = sql.placeholder('tenantId');
  const conversationId = sql.placeholder('conversationId');
  const summaryEnd = db
    .select({ lastMessageId: conversationSummaries.lastMessageId })
    .from(conversationSummaries)
    .where(
      inTenant(
        conversationSummaries,
        tenantId,
        eq(conversationSummaries.conversationId, conversationId),
        lte(conversationSummaries.lastMessageId, throughId),
      ),
    )
    .orderBy(newestFirst)
    .limit(1);
  const after = sql`coalesce((${summaryEnd}), '00000000-0000-0000-0000-000000000000'::uuid)`;
  return userTurnsAfter(db, tenantId, conversationId, after, throughId);
}

const userTurnsSinceSummary = preparedFor((db) =>
  userTurnsSinceSummaryQuery(db, sql.placeholder('throughId')).prepare('companion_user_turns_since_summary'),
);

/** User messages after `after` (an id, or an expression giving one), through `throughId`. */
async function countUserTurnsAfter(
  db: Executor,
  tenantId: string,
  conversationId: string,
  after: string | SQL | undefined,
  throughId: string,
): Promise<number> {
  const [row] = await userTurnsAfter(db, tenantId, conversationId, after, throughId);
  return row?.count ?? 0;
}

export function createCompanionRepository() {
  return {
    /**
     * The conversation's agent's companion JSON (undefined: no agent any more), its owner, and the contact
     * of a support conversation (whose owner is the desk user: the ledger names the contact instead).
     */
    async conversationContext(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          ownerId: conversations.ownerId,
          contactId: supportConversations.contactId,
          agentId: agents.id,
          agentModel: agents.model,
          companion: agents.companion,
        })
        .from(conversations)
        .leftJoin(agents, and(eq(agents.id, conversations.agentId), eq(agents.tenantId, conversations.tenantId)))
        .leftJoin(supportConversations, eq(supportConversations.conversationId, conversations.id))
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    async isMessageIn(db: Executor, tenantId: string, conversationId: string, messageId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId), eq(messages.id, messageId)));
      return row !== undefined;
    },

    /**
     * Moves the side's read position forward (never back) and, when receipts are kept, stamps the other
     * side's finished messages up to it. Answers the position and how many messages were stamped.
     */
    async markRead(
      db: Executor,
      read: {
        tenantId: string;
        conversationId: string;
        upToMessageId: string;
        side: ReadSide;
        readAt: Date;
        keepsReceipts: boolean;
      },
    ): Promise<{ readThroughMessageId: string; markedCount: number } | undefined> {
      const column = read.side === 'owner' ? conversations.ownerReadThrough : conversations.othersReadThrough;
      return db.transaction(async (tx) => {
        const [position] = await tx
          .update(conversations)
          .set({
            [read.side === 'owner' ? 'ownerReadThrough' : 'othersReadThrough']:
              sql`greatest(${column}, ${read.upToMessageId}::uuid)`,
          })
          .where(inTenant(conversations, read.tenantId, eq(conversations.id, read.conversationId)))
          .returning({ through: column });
        if (!position?.through) return undefined;
        if (!read.keepsReceipts) return { readThroughMessageId: position.through, markedCount: 0 };
        const marked = await tx
          .update(messages)
          .set({ readAt: read.readAt })
          .where(
            inTenant(
              messages,
              read.tenantId,
              eq(messages.conversationId, read.conversationId),
              lte(messages.id, read.upToMessageId),
              isNull(messages.readAt),
              inArray(messages.role, [...rolesReadBy(read.side)]),
              notInArray(messages.status, [...unfinished]),
            ),
          )
          .returning({ id: messages.id });
        return { readThroughMessageId: position.through, markedCount: marked.length };
      });
    },

    async listSummaries(db: Executor, tenantId: string, conversationId: string, limit: number): Promise<SummaryRow[]> {
      return db
        .select()
        .from(conversationSummaries)
        .where(summariesThrough(tenantId, conversationId))
        .orderBy(newestFirst)
        .limit(limit);
    },

    /** The conversation's latest summary. */
    async latestSummary(db: Executor, tenantId: string, conversationId: string): Promise<SummaryRow | undefined> {
      const [row] = await db
        .select()
        .from(conversationSummaries)
        .where(summariesThrough(tenantId, conversationId))
        .orderBy(newestFirst)
        .limit(1);
      return row;
    },

    /** User turns (one user message each, however many replies it got) after a message, through another. */
    async countUserTurns(
      db: Executor,
      tenantId: string,
      conversationId: string,
      range: { after: string | undefined; through: string },
    ): Promise<number> {
      return countUserTurnsAfter(db, tenantId, conversationId, range.after, range.through);
    },

    /**
     * User turns since the newest summary that ends at or before `throughId`, through it: what decides
     * whether a reply calls for a summary, in one statement (it runs after every reply).
     */
    async countUserTurnsSinceSummary(
      db: Executor,
      tenantId: string,
      conversationId: string,
      throughId: string,
    ): Promise<number> {
      const [row] = await userTurnsSinceSummary(db).execute({ tenantId, conversationId, throughId });
      return row?.count ?? 0;
    },

    /** The messages a summary covers after the previous one: the user's, and finished, non-empty replies. */
    async messagesToSummarise(
      db: Executor,
      tenantId: string,
      conversationId: string,
      range: { after: string | undefined; through: string },
      limit: number,
    ): Promise<SummarisedMessage[]> {
      return db
        .select({ id: messages.id, role: messages.role, content: sql<string>`left(${messages.content}, 4000)` })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            range.after === undefined ? undefined : gt(messages.id, range.after),
            lte(messages.id, range.through),
            sql`${messages.content} <> ''`,
            sql`(${messages.role} = 'user' or ${messages.status} = 'complete')`,
          ),
        )
        .orderBy(asc(messages.id))
        .limit(limit);
    },

    /** The newest finished reply of the conversation: how far a summary job that runs now may reach. */
    async newestFinishedReplyId(db: Executor, tenantId: string, conversationId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            eq(messages.role, 'assistant'),
            eq(messages.status, 'complete'),
          ),
        )
        .orderBy(desc(messages.id))
        .limit(1);
      return row?.id;
    },

    /**
     * Locks the conversation's row until the transaction ends (false when it is gone): summaries of one
     * conversation are then stored one at a time, each checked against the newest before it.
     */
    async lockConversation(db: Executor, tenantId: string, conversationId: string): Promise<boolean> {
      const rows = await db
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.id, conversationId), eq(conversations.tenantId, tenantId)))
        .for('no key update');
      return rows.length > 0;
    },

    /** False when it was stored already (another node, a retry) or the conversation is gone. */
    async insertSummary(db: Executor, summary: typeof conversationSummaries.$inferInsert): Promise<boolean> {
      const inserted = await db
        .insert(conversationSummaries)
        .select(
          sql`select ${summary.id}::uuid, ${summary.tenantId}::uuid, ${summary.conversationId}::uuid, ${summary.content}::text,
            ${summary.firstMessageId}::uuid, ${summary.lastMessageId}::uuid, ${summary.messageCount}::int,
            ${summary.userTurns}::int, ${summary.model}::text, now()
          where exists (select 1 from ${conversations} where ${conversations.id} = ${summary.conversationId}::uuid
            and ${conversations.tenantId} = ${summary.tenantId}::uuid)`,
        )
        .onConflictDoNothing()
        .returning({ id: conversationSummaries.id });
      return inserted.length > 0;
    },
  };
}

export type CompanionRepository = ReturnType<typeof createCompanionRepository>;
