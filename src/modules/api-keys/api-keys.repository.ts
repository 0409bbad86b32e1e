import { eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { apiKeys } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function createApiKeysRepository() {
  return {
    /** All of the tenant's keys, or only one user's when `userId` is given. */
    async listApiKeys(db: Executor, tenantId: string, filter: { userId?: string }, page: PageRequest) {
      return db
        .select({ row: apiKeys, cursorAt: cursorTimestamp(apiKeys.createdAt) })
        .from(apiKeys)
        .where(
          inTenant(
            apiKeys,
            tenantId,
            filter.userId === undefined ? undefined : eq(apiKeys.userId, filter.userId),
            afterCursor(apiKeys.createdAt, apiKeys.id, page.after),
          ),
        )
        .orderBy(...newestFirst(apiKeys.createdAt, apiKeys.id))
        .limit(page.limit + 1);
    },

    async findApiKey(db: Executor, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
      const [row] = await db
        .select()
        .from(apiKeys)
        .where(inTenant(apiKeys, tenantId, eq(apiKeys.id, keyId)))
        .limit(1);
      return row;
    },

    async insertApiKey(db: Executor, key: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
      const [row] = await db.insert(apiKeys).values(key).returning();
      return row!;
    },

    async deleteApiKey(db: Executor, tenantId: string, keyId: string): Promise<boolean> {
      const rows = await db
        .delete(apiKeys)
        .where(inTenant(apiKeys, tenantId, eq(apiKeys.id, keyId)))
        .returning({ id: apiKeys.id });
      return rows.length === 1;
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
