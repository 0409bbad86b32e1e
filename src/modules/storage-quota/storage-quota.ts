import type { Config } from '../../config.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { formatBytes } from '../../platform/format-bytes.js';
import { createStorageQuotaRepository, type StorageQuotaRepository } from './storage-quota.repository.js';

export interface StorageQuotaDeps {
  readonly db: Database;
  readonly config: Pick<Config, 'tenantStorageQuotaBytes'>;
  readonly repository?: StorageQuotaRepository;
}

export interface StorageUsage {
  readonly usedBytes: number;
  /** The quota that applies (the tenant's own, else TENANT_STORAGE_QUOTA_BYTES); null: no bound. */
  readonly quotaBytes: number | null;
}

const whoRaisesIt = 'delete files or documents no longer needed, or ask a platform administrator to raise the quota';

/**
 * A tenant's storage quota, the one rule every stored file passes through: chat attachments, widget
 * images, knowledge documents (uploads, URLs, imports, replacements). Use is summed from the rows that
 * name stored files, so it cannot drift from them. `admit` runs in the transaction that writes the
 * file's row, under a lock per tenant, so two uploads at once are counted one after the other: the
 * rows never add up past the quota (files being received are not counted until their row is written).
 */
export function createStorageQuota(deps: StorageQuotaDeps) {
  const { db } = deps;
  const repository = deps.repository ?? createStorageQuotaRepository();

  async function quotaOf(tx: Executor, tenantId: string): Promise<number | null> {
    const own = await repository.quotaOf(tx, tenantId);
    const quota = own ?? deps.config.tenantStorageQuotaBytes;
    return quota === 0 ? null : quota;
  }

  return {
    async usage(tenantId: string): Promise<StorageUsage> {
      return { usedBytes: await repository.usedBytes(db, tenantId), quotaBytes: await quotaOf(db, tenantId) };
    },

    /** Before a file is received: a tenant whose quota is used up is refused before a byte is streamed. */
    async requireRoom(tenantId: string): Promise<void> {
      const quotaBytes = await quotaOf(db, tenantId);
      if (quotaBytes === null) return;
      const usedBytes = await repository.usedBytes(db, tenantId);
      if (usedBytes >= quotaBytes) throw quotaReached(quotaBytes, usedBytes, 0);
    },

    /** In the transaction that writes the row of a stored file of `addedBytes`: refuses it past the quota. */
    async admit(tx: Executor, tenantId: string, addedBytes: number): Promise<void> {
      const quotaBytes = await quotaOf(tx, tenantId);
      if (quotaBytes === null) return;
      await repository.lockTenant(tx, tenantId);
      const usedBytes = await repository.usedBytes(tx, tenantId);
      if (usedBytes + addedBytes > quotaBytes) throw quotaReached(quotaBytes, usedBytes, addedBytes);
    },
  };
}

export type StorageQuota = ReturnType<typeof createStorageQuota>;

function quotaReached(quotaBytes: number, usedBytes: number, addedBytes: number): AppError {
  const adding =
    addedBytes > 0 ? `this file (${formatBytes(addedBytes)}) would take it past its ` : 'it has reached its ';
  return new AppError(
    'payload_too_large',
    `This workspace stores ${formatBytes(usedBytes)} of files; ${adding}storage quota of ${formatBytes(quotaBytes)}. To add more, ${whoRaisesIt}`,
    { extensions: { quotaBytes, usedBytes } },
  );
}

/** A refusal for the quota, which ends an import (every file after it would be refused too). */
export function isStorageQuotaRefusal(error: unknown): boolean {
  return (
    error instanceof AppError &&
    error.code === 'payload_too_large' &&
    error.details.extensions?.quotaBytes !== undefined
  );
}
