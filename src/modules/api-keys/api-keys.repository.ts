import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Role } from '../../access/actor.js';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { apiKeys, users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
type NewApiKey = Pick<
  typeof apiKeys.$inferInsert,
  'id' | 'tenantId' | 'userId' | 'name' | 'prefix' | 'keyHash' | 'role'
>;

/** Which of the tenant's keys a caller may see and delete. */
export interface KeyReach {
  /** The caller's own user; their keys are theirs whatever role their user holds. */
  readonly selfId: string;
  /**
   * true when signed in as that user (not through a key): all of their own keys, also those above the
   * role they hold now (made before a demotion, and still working with that role). A key acts within
   * its own role, so it never reaches its user's keys above it.
   */
  readonly allOwnKeys: boolean;
  /** true for an admin: other users' keys too, of users whose role is in `roles`. */
  readonly othersToo: boolean;
  /** The roles at or below the caller's: a key above it, or another user's above it, is out of reach. */
  readonly roles: readonly Role[];
}

function withinReach(reach: KeyReach): SQL | undefined {
  const withinRoles = inArray(apiKeys.role, [...reach.roles]);
  const own = reach.allOwnKeys ? eq(apiKeys.userId, reach.selfId) : and(eq(apiKeys.userId, reach.selfId), withinRoles);
  return reach.othersToo ? or(own, and(inArray(users.role, [...reach.roles]), withinRoles)) : own;
}

export function createApiKeysRepository() {
  return {
    /** The tenant's keys within the caller's reach, newest first. */
    async listApiKeys(db: Executor, tenantId: string, reach: KeyReach, page: PageRequest) {
      return db
        .select({ row: apiKeys, cursorAt: cursorTimestamp(apiKeys.createdAt) })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(inTenant(apiKeys, tenantId, withinReach(reach), afterCursor(apiKeys.createdAt, apiKeys.id, page.after)))
        .orderBy(...newestFirst(apiKeys.createdAt, apiKeys.id))
        .limit(page.limit + 1);
    },

    /** One key, if it is within the caller's reach. */
    async findApiKey(db: Executor, tenantId: string, keyId: string, reach: KeyReach): Promise<ApiKeyRow | undefined> {
      const [found] = await db
        .select({ row: apiKeys })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(inTenant(apiKeys, tenantId, eq(apiKeys.id, keyId), withinReach(reach)))
        .limit(1);
      return found?.row;
    },

    /**
     * Stores the key only while its user is enabled, judged in the same statement under a share lock on
     * the user's row: disabling (users.service.ts) holds that row for update while it deletes the
     * user's keys, so a key is either made before and deleted with the others, or not made at all.
     * A plain insert's foreign-key check let a key made at that moment outlive the disabling.
     * Undefined when the user is disabled (or gone).
     */
    async insertApiKeyForEnabledUser(db: Executor, key: NewApiKey): Promise<ApiKeyRow | undefined> {
      const [row] = await db
        .insert(apiKeys)
        .select(
          db
            .select({
              id: sql`${key.id}::uuid`.as('id'),
              tenantId: users.tenantId,
              name: sql`${key.name}`.as('name'),
              prefix: sql`${key.prefix}`.as('prefix'),
              keyHash: sql`${key.keyHash}`.as('key_hash'),
              role: sql`${key.role}`.as('role'),
              userId: users.id,
              // Drizzle's insert…select names every column, in the table's order.
              lastUsedAt: sql`null::timestamptz`.as('last_used_at'),
              createdAt: sql`now()`.as('created_at'),
            })
            .from(users)
            .where(inTenant(users, key.tenantId, eq(users.id, key.userId), isNull(users.disabledAt)))
            .for('share'),
        )
        .returning();
      return row;
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
