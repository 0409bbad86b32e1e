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
  /** The load's result once it has come. */
  settled?: { readonly value: T };
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
      const entry: Entry<T> = { value, expiresAt: now() + options.ttlMs };
      entries.set(key, entry);
      value.then(
        (result) => (entry.settled = { value: result }),
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return value;
    },
    /**
     * The value held for `key` if its load has finished and not expired; never a load in flight. For a
     * caller that must not wait on a read someone else started (one inside a transaction).
     */
    peek(key: string): T | undefined {
      const cached = entries.get(key);
      return cached && cached.expiresAt > now() ? cached.settled?.value : undefined;
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
