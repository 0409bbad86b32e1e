import { createLruCache } from '../lru-cache.js';

export interface ExpiringCacheOptions {
  /** How long a change this node was not told about may go unseen (ADR 7). */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry<T> {
  readonly value: Promise<T>;
  readonly expiresAt: number;
}

/**
 * Rows the hot path reads on every request (a tenant's decrypted providers), held for a few seconds.
 * The load in flight is what is cached, so concurrent requests share one query, and `invalidate` also
 * drops a load that started before the change. A failed load is not kept: the next request tries again
 * and reports the error itself. Changes reach it through the invalidation bus.
 */
export function createExpiringCache<T>(options: ExpiringCacheOptions) {
  const entries = createLruCache<Entry<T>>(options.maxEntries);
  const now = options.now ?? Date.now;
  return {
    load(key: string, read: () => Promise<T>): Promise<T> {
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now()) return cached.value;
      const value = read();
      entries.set(key, { value, expiresAt: now() + options.ttlMs });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
    invalidate(key: string): void {
      entries.delete(key);
    },
    clear(): void {
      entries.clear();
    },
  };
}

export type ExpiringCache<T> = ReturnType<typeof createExpiringCache<T>>;
