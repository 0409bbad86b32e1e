import { and, eq, type Placeholder, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

interface TenantOwnedTable {
  readonly tenantId: PgColumn;
}

/**
 * The one place tenant isolation is applied. Every repository query over a tenant-owned table
 * builds its WHERE through this, so a query cannot be written without naming the tenant. A prepared
 * statement names it with a placeholder, filled in on every call.
 */
export function inTenant(
  table: TenantOwnedTable,
  tenantId: string | Placeholder<'tenantId'>,
  ...conditions: (SQL | undefined)[]
): SQL {
  return and(eq(table.tenantId, tenantId), ...conditions) as SQL;
}
