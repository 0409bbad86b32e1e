import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  /**
   * The model the companion jobs of every agent call (summaries, memory, personality suggestions) unless
   * the agent names its own; null: each agent's own model (docs/companion.md).
   */
  utilityModel: text('utility_model'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
