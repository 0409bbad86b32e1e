import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

interface TenantOwnedTable {
  readonly tenantId: PgColumn;
}

/**
 * The one place tenant isolation is applied. Every repository query over a tenant-owned table
 * builds its WHERE through this, so a query cannot be written without naming the tenant.
 */
export function inTenant(table: TenantOwnedTable, tenantId: string, ...conditions: (SQL | undefined)[]): SQL {
  return and(eq(table.tenantId, tenantId), ...conditions) as SQL;
}
