import { doublePrecision, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.js';
import { providerKinds } from './agents.js';

/**
 * What a model costs, per million tokens in and out, in USD: one platform-wide table the platform
 * admin keeps (docs/analytics.md). Keyed by provider kind and model id, not by a tenant's provider
 * name, so one price covers every tenant using that model.
 */
export const modelPrices = pgTable(
  'model_prices',
  {
    id: uuid('id').primaryKey(),
    providerKind: text('provider_kind', { enum: providerKinds }).notNull(),
    /** The model id as a model ref carries it after `<provider>:` (`gpt-4o-mini`, an Azure deployment). */
    model: text('model').notNull(),
    inputUsdPerMillion: doublePrecision('input_usd_per_million').notNull(),
    outputUsdPerMillion: doublePrecision('output_usd_per_million').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('model_prices_kind_model_unique').on(table.providerKind, table.model)],
);
