import { createLruCache } from '../../platform/lru-cache.js';

export interface TenantProviderCacheOptions {
  /** How long another node's change may go unseen here (ADR 7). */
  readonly ttlMs: number;
  readonly maxTenants: number;
  readonly now?: () => number;
}

interface Entry<T> {
  readonly value: Promise<T>;
  readonly expiresAt: number;
}

/**
 * A tenant's decrypted providers, held for a few seconds so a chat turn does not query and decrypt them
 * every time. The load in flight is what is cached, so concurrent turns of one tenant share one query,
 * and `invalidate` (called after this node changed a provider) also drops a load that started before the
 * change. A failed load is not kept: the next turn tries again and reports the error itself.
 */
export function createTenantProviderCache<T>(options: TenantProviderCacheOptions) {
  const entries = createLruCache<Entry<T>>(options.maxTenants);
  const now = options.now ?? Date.now;
  return {
    load(tenantId: string, read: () => Promise<T>): Promise<T> {
      const cached = entries.get(tenantId);
      if (cached && cached.expiresAt > now()) return cached.value;
      const value = read();
      entries.set(tenantId, { value, expiresAt: now() + options.ttlMs });
      value.catch(() => {
        if (entries.get(tenantId)?.value === value) entries.delete(tenantId);
      });
      return value;
    },
    invalidate(tenantId: string): void {
      entries.delete(tenantId);
    },
  };
}

export type TenantProviderCache<T> = ReturnType<typeof createTenantProviderCache<T>>;
