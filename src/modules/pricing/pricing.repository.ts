import { asc, count, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { modelPrices, providers } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type ModelPriceRow = typeof modelPrices.$inferSelect;

/** The price table is platform-wide (no tenant column): every tenant's usage is priced by the same rows. */
export function createPricingRepository() {
  return {
    async listPrices(db: Executor): Promise<ModelPriceRow[]> {
      return db.select().from(modelPrices).orderBy(asc(modelPrices.providerKind), asc(modelPrices.model));
    },

    async findPrice(db: Executor, id: string): Promise<ModelPriceRow | undefined> {
      const [row] = await db.select().from(modelPrices).where(eq(modelPrices.id, id)).limit(1);
      return row;
    },

    async countPrices(db: Executor): Promise<number> {
      const [row] = await db.select({ total: count() }).from(modelPrices);
      return row?.total ?? 0;
    },

    /** Sets the price of (kind, model), adding the row if it is new; concurrent puts of one model keep one row. */
    async upsertPrice(db: Executor, price: typeof modelPrices.$inferInsert): Promise<ModelPriceRow> {
      const [row] = await db
        .insert(modelPrices)
        .values(price)
        .onConflictDoUpdate({
          target: [modelPrices.providerKind, modelPrices.model],
          set: {
            inputUsdPerMillion: price.inputUsdPerMillion,
            outputUsdPerMillion: price.outputUsdPerMillion,
            updatedAt: new Date(),
          },
        })
        .returning();
      return row!;
    },

    async deletePrice(db: Executor, id: string): Promise<boolean> {
      const deleted = await db.delete(modelPrices).where(eq(modelPrices.id, id)).returning({ id: modelPrices.id });
      return deleted.length > 0;
    },

    /** The kind of each of the tenant's providers, by name: what their model refs are priced as. */
    async listProviderKinds(db: Executor, tenantId: string) {
      return db
        .select({ name: providers.name, kind: providers.kind })
        .from(providers)
        .where(inTenant(providers, tenantId));
    },
  };
}

export type PricingRepository = ReturnType<typeof createPricingRepository>;
