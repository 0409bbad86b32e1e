import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { files, knowledgeDocuments, tenants } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

/** The SQL of a tenant's storage quota: what its rows say it stores, and its own quota. */
export function createStorageQuotaRepository() {
  return {
    /** Holds every other admission of this tenant's files until the transaction ends. */
    async lockTenant(tx: Executor, tenantId: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`storage-quota:${tenantId}`}, 0))`);
    },

    /**
     * The bytes of the tenant's chat attachments and widget images, and of its documents' files (with
     * the file a replacement keeps until its new one is indexed): two index-only scans of
     * (tenant_id, byte_size…) indexes.
     */
    async usedBytes(db: Executor, tenantId: string): Promise<number> {
      const [attachments] = await db
        .select({ bytes: sql<string>`coalesce(sum(${files.byteSize}), 0)` })
        .from(files)
        .where(inTenant(files, tenantId));
      const [documents] = await db
        .select({
          bytes: sql<string>`coalesce(sum(coalesce(${knowledgeDocuments.byteSize}, 0) + coalesce(${knowledgeDocuments.replacedByteSize}, 0)), 0)`,
        })
        .from(knowledgeDocuments)
        .where(inTenant(knowledgeDocuments, tenantId));
      return Number(attachments?.bytes ?? 0) + Number(documents?.bytes ?? 0);
    },

    /** The tenant's own quota, null when it has none (the server's applies), undefined when there is no such tenant. */
    async quotaOf(db: Executor, tenantId: string): Promise<number | null | undefined> {
      const [row] = await db
        .select({ quotaBytes: tenants.storageQuotaBytes })
        .from(tenants)
        .where(eq(tenants.id, tenantId));
      return row ? row.quotaBytes : undefined;
    },
  };
}

export type StorageQuotaRepository = ReturnType<typeof createStorageQuotaRepository>;
