import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';

/** Every tenant-owned table carries its tenant; the data layer filters on it (see tenant-scope.ts). */
export const tenantColumn = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
