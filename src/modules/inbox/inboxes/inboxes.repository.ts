import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../../platform/db/pagination.js';
import { agents, contactTokens, inboxes } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type StoredInbox = typeof inboxes.$inferSelect;
export type InboxChanges = Partial<Omit<typeof inboxes.$inferInsert, 'id' | 'tenantId' | 'createdAt'>>;

export function createInboxesRepository() {
  return {
    async listInboxes(db: Executor, tenantId: string, page: PageRequest) {
      return db
        .select({ row: inboxes, cursorAt: cursorTimestamp(inboxes.createdAt) })
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, afterCursor(inboxes.createdAt, inboxes.id, page.after)))
        .orderBy(...newestFirst(inboxes.createdAt, inboxes.id))
        .limit(page.limit + 1);
    },

    async findInbox(db: Executor, tenantId: string, inboxId: string): Promise<StoredInbox | undefined> {
      const [row] = await db
        .select()
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .limit(1);
      return row;
    },

    async insertInbox(db: Executor, inbox: typeof inboxes.$inferInsert): Promise<StoredInbox> {
      const [row] = await db.insert(inboxes).values(inbox).returning();
      return row!;
    },

    /** Ends the inbox's widget sessions the signing secret vouched for (identity-verified); answers how many. */
    async endVerifiedSessions(db: Executor, tenantId: string, inboxId: string): Promise<number> {
      const ended = await db
        .delete(contactTokens)
        .where(
          inTenant(
            contactTokens,
            tenantId,
            and(eq(contactTokens.inboxId, inboxId), eq(contactTokens.isVerified, true)),
          ),
        )
        .returning({ id: contactTokens.id });
      return ended.length;
    },

    async updateInbox(
      db: Executor,
      tenantId: string,
      inboxId: string,
      changes: InboxChanges,
    ): Promise<StoredInbox | undefined> {
      const [row] = await db
        .update(inboxes)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .returning();
      return row;
    },

    async deleteInbox(db: Executor, tenantId: string, inboxId: string): Promise<boolean> {
      const rows = await db
        .delete(inboxes)
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .returning({ id: inboxes.id });
      return rows.length === 1;
    },

    /** The tenant's agent of that id and whether it is shared with the whole tenant (undefined: none). */
    async findAgentVisibility(db: Executor, tenantId: string, agentId: string) {
      const [row] = await db
        .select({ visibility: agents.visibility })
        .from(agents)
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .limit(1);
      return row?.visibility;
    },
  };
}

export type InboxesRepository = ReturnType<typeof createInboxesRepository>;
