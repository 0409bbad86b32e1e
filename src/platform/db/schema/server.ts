import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/**
 * One row: a fingerprint of the server secret this storage was made with (platform/secret-check.ts).
 * The `id` is always true, so a second row cannot exist.
 */
export const serverSecretCheck = pgTable(
  'server_secret_check',
  {
    id: boolean('id').primaryKey().default(true),
    fingerprint: text('fingerprint').notNull(),
    createdAt: createdAt(),
  },
  (table) => [check('server_secret_check_one_row', sql`${table.id}`)],
);
