import { and, eq, getTableColumns, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, type PageRequest } from '../../platform/db/pagination.js';
import { conversations } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationListFilter {
  /** Only this owner's conversations; undefined lists the whole tenant's (operators and admins). */
  readonly ownerId: string | undefined;
  readonly projectId: string | undefined;
  readonly isArchived: boolean;
  readonly titleContains: string | undefined;
  /** Whose unread counts the rows carry: the owner counts the agent's messages, anyone else the owner's. */
  readonly viewerId?: string;
}

/** Past this many, a list says "1000" (the console shows "999+"): counting further costs and tells nothing. */
export const maxUnreadCount = 1000;

/**
 * The viewer's unread messages of each listed conversation: the other side's finished messages after the
 * viewer's side's read position, read on messages_conversation_idx from that position on (so an
 * all-read conversation costs one index probe).
 */
function unreadCount(viewerId: string | undefined) {
  // Written with qualified names: drizzle leaves a one-table select's columns bare, and inside this
  // subquery a bare "id" would be the message's.
  const isOwner = sql`"conversations"."owner_id" = ${viewerId ?? null}::uuid`;
  return sql<number>`(select count(*)::int from (select 1 from "messages" as "unread_message"
    where "unread_message"."tenant_id" = "conversations"."tenant_id"
      and "unread_message"."conversation_id" = "conversations"."id"
      and "unread_message"."id" > coalesce(case when ${isOwner} then "conversations"."owner_read_through"
        else "conversations"."others_read_through" end, '00000000-0000-0000-0000-000000000000'::uuid)
      and case when ${isOwner} then "unread_message"."role" <> 'user' else "unread_message"."role" = 'user' end
      and "unread_message"."status" not in ('pending', 'streaming')
    limit ${maxUnreadCount}) as unread)`;
}

export type ConversationChanges = Partial<Pick<ConversationRow, 'title' | 'projectId' | 'archivedAt'>>;

/**
 * Exactly the order of the *_activity_idx indexes, which drizzle creates as `DESC NULLS LAST`: a plain
 * `desc` means NULLS FIRST, which PostgreSQL will not read from those indexes, so it would sort instead.
 */
const mostRecentActivityFirst = [
  sql`${conversations.lastActivityAt} desc nulls last`,
  sql`${conversations.id} desc nulls last`,
];

/** `%` and `_` in a search are literal characters, not wildcards. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;

export function createConversationsRepository() {
  return {
    async insert(db: Executor, conversation: typeof conversations.$inferInsert): Promise<ConversationRow> {
      const [row] = await db.insert(conversations).values(conversation).returning();
      return row!;
    },

    async findById(db: Executor, tenantId: string, conversationId: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    /**
     * Newest activity first, keyset on (last_activity_at, id): served by conversations_owner_activity_idx,
     * conversations_tenant_activity_idx or conversations_project_activity_idx depending on the filter.
     * Fetches limit + 1 rows to tell whether a next page exists.
     */
    list(db: Executor, tenantId: string, filter: ConversationListFilter, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        filter.ownerId ? eq(conversations.ownerId, filter.ownerId) : undefined,
        filter.projectId ? eq(conversations.projectId, filter.projectId) : undefined,
        filter.isArchived ? isNotNull(conversations.archivedAt) : isNull(conversations.archivedAt),
        filter.titleContains
          ? sql`${conversations.title} ilike ${likePattern(filter.titleContains)} escape '\\'`
          : undefined,
        afterCursor(conversations.lastActivityAt, conversations.id, page.after),
      ];
      // Returned unawaited (a query builder is thenable) so a test can EXPLAIN the very same query.
      return db
        .select({
          row: { ...getTableColumns(conversations), unreadCount: unreadCount(filter.viewerId) },
          cursorAt: cursorTimestamp(conversations.lastActivityAt),
        })
        .from(conversations)
        .where(inTenant(conversations, tenantId, and(...conditions)))
        .orderBy(...mostRecentActivityFirst)
        .limit(page.limit + 1);
    },

    async update(
      db: Executor,
      tenantId: string,
      conversationId: string,
      changes: ConversationChanges,
    ): Promise<ConversationRow | undefined> {
      const [row] = await db
        .update(conversations)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)))
        .returning();
      return row;
    },

    async delete(db: Executor, tenantId: string, conversationId: string): Promise<void> {
      await db.delete(conversations).where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
    },
  };
}

export type ConversationsRepository = ReturnType<typeof createConversationsRepository>;
