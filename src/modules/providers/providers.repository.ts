import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { providers } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type ProviderRow = typeof providers.$inferSelect;
export type ProviderChanges = Partial<
  Pick<ProviderRow, 'name' | 'kind' | 'baseUrl' | 'encryptedApiKey' | 'settings' | 'models'>
>;

// A tenant has a handful of providers: the (tenant_id, name) unique index narrows every query here.
export function createProvidersRepository() {
  return {
    async listProviders(db: Executor, tenantId: string, page: PageRequest) {
      return db
        .select({ row: providers, cursorAt: cursorTimestamp(providers.createdAt) })
        .from(providers)
        .where(inTenant(providers, tenantId, afterCursor(providers.createdAt, providers.id, page.after)))
        .orderBy(...newestFirst(providers.createdAt, providers.id))
        .limit(page.limit + 1);
    },

    async listAllProviders(db: Executor, tenantId: string): Promise<ProviderRow[]> {
      return db.select().from(providers).where(inTenant(providers, tenantId)).orderBy(asc(providers.name));
    },

    async findProvider(db: Executor, tenantId: string, providerId: string): Promise<ProviderRow | undefined> {
      const [row] = await db
        .select()
        .from(providers)
        .where(inTenant(providers, tenantId, eq(providers.id, providerId)))
        .limit(1);
      return row;
    },

    async findProviderByName(db: Executor, tenantId: string, name: string): Promise<ProviderRow | undefined> {
      const [row] = await db
        .select()
        .from(providers)
        .where(inTenant(providers, tenantId, eq(providers.name, name)))
        .limit(1);
      return row;
    },

    async insertProvider(db: Executor, provider: typeof providers.$inferInsert): Promise<ProviderRow> {
      const [row] = await db.insert(providers).values(provider).returning();
      return row!;
    },

    async updateProvider(
      db: Executor,
      tenantId: string,
      providerId: string,
      changes: ProviderChanges,
    ): Promise<ProviderRow | undefined> {
      const [row] = await db
        .update(providers)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(providers, tenantId, eq(providers.id, providerId)))
        .returning();
      return row;
    },

    async deleteProvider(db: Executor, tenantId: string, providerId: string): Promise<boolean> {
      const rows = await db
        .delete(providers)
        .where(inTenant(providers, tenantId, eq(providers.id, providerId)))
        .returning({ id: providers.id });
      return rows.length === 1;
    },
  };
}

export type ProvidersRepository = ReturnType<typeof createProvidersRepository>;
