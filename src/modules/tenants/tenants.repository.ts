import { eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { tenants } from '../../platform/db/schema/index.js';

export type TenantRow = typeof tenants.$inferSelect;
export type TenantSettingsRow = Pick<TenantRow, 'utilityModel' | 'storageQuotaBytes'>;

const settingsColumns = { utilityModel: tenants.utilityModel, storageQuotaBytes: tenants.storageQuotaBytes };

/** Tenants are the root of isolation, so these queries are platform-wide; only platform admins reach them. */
export function createTenantsRepository() {
  return {
    async listTenants(db: Executor, page: PageRequest) {
      return db
        .select({ row: tenants, cursorAt: cursorTimestamp(tenants.createdAt) })
        .from(tenants)
        .where(afterCursor(tenants.createdAt, tenants.id, page.after))
        .orderBy(...newestFirst(tenants.createdAt, tenants.id))
        .limit(page.limit + 1);
    },

    async insertTenant(db: Executor, tenant: typeof tenants.$inferInsert): Promise<TenantRow> {
      const [row] = await db.insert(tenants).values(tenant).returning();
      return row!;
    },

    async findSettings(db: Executor, tenantId: string): Promise<TenantSettingsRow | undefined> {
      const [row] = await db.select(settingsColumns).from(tenants).where(eq(tenants.id, tenantId));
      return row;
    },

    async updateSettings(
      db: Executor,
      tenantId: string,
      changes: Partial<TenantSettingsRow>,
    ): Promise<TenantSettingsRow | undefined> {
      const [row] = await db.update(tenants).set(changes).where(eq(tenants.id, tenantId)).returning(settingsColumns);
      return row;
    },
  };
}

export type TenantsRepository = ReturnType<typeof createTenantsRepository>;
