import { bigint, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  /**
   * The model the companion jobs of every agent call (summaries, memory, personality suggestions) unless
   * the agent names its own; null: each agent's own model (docs/companion.md).
   */
  utilityModel: text('utility_model'),
  /** What this tenant's stored files may add up to, set by a platform admin; null: TENANT_STORAGE_QUOTA_BYTES. */
  storageQuotaBytes: bigint('storage_quota_bytes', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
