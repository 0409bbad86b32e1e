import type { Actor } from '../access/actor.js';
import type { DatabaseSession } from '../platform/db/client.js';
import { AppError } from '../platform/errors.js';

export interface ImportTarget {
  readonly actor: Actor;
  readonly sourceId: string;
  readonly tenantName: string;
}

/**
 * The tenant (by name, or the only one), the source (by name) and whom the import acts as: the tenant's
 * first administrator, so the documents are theirs as if they had uploaded them.
 */
export async function findImportTarget(
  database: DatabaseSession,
  names: { source: string; tenant: string | undefined },
): Promise<ImportTarget> {
  const tenants = (
    await database.executeSql(
      names.tenant === undefined
        ? 'select id, name from tenants order by created_at limit 2'
        : 'select id, name from tenants where name = $1 order by created_at limit 2',
      names.tenant === undefined ? [] : [names.tenant],
    )
  ).rows as { id: string; name: string }[];
  const [tenant] = tenants;
  if (!tenant) {
    throw new AppError(
      'not_found',
      names.tenant === undefined
        ? 'This server has no tenant yet; create the administrator first (open the console, or parley admin create)'
        : `No tenant is named '${names.tenant}'`,
    );
  }
  if (tenants.length > 1) {
    throw new AppError(
      'validation_failed',
      names.tenant === undefined
        ? 'This server has several tenants; name one with --tenant <name>'
        : `Several tenants are named '${names.tenant}'; rename one in the console first`,
    );
  }
  const [admin] = (
    await database.executeSql(
      `select id, role from users where tenant_id = $1 and disabled_at is null
       and role in ('platform_admin', 'tenant_admin') order by created_at limit 1`,
      [tenant.id],
    )
  ).rows as { id: string; role: 'platform_admin' | 'tenant_admin' }[];
  if (!admin) throw new AppError('not_found', `The tenant '${tenant.name}' has no administrator to import as`);
  const [source] = (
    await database.executeSql(
      'select id from knowledge_sources where tenant_id = $1 and name = $2 and deleted_at is null limit 1',
      [tenant.id, names.source],
    )
  ).rows as { id: string }[];
  if (!source) {
    throw new AppError(
      'not_found',
      `The tenant '${tenant.name}' has no knowledge source named '${names.source}'; create it first (console: Knowledge, New source)`,
    );
  }
  return {
    actor: { tenantId: tenant.id, userId: admin.id, role: admin.role, via: 'system' },
    sourceId: source.id,
    tenantName: tenant.name,
  };
}

/** Documents of the source still waiting for or being indexed. */
export async function countUnindexed(database: DatabaseSession, target: ImportTarget): Promise<number> {
  const [row] = (
    await database.executeSql(
      `select count(*)::int as n from knowledge_documents
      where tenant_id = $1 and source_id = $2 and status in ('pending', 'processing')`,
      [target.actor.tenantId, target.sourceId],
    )
  ).rows as { n: number }[];
  return row?.n ?? 0;
}
