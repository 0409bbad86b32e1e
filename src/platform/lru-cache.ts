/** A bounded map that forgets the least recently used entry first. */
export interface LruCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  /** The cached value, or `create()`'s, stored. */
  getOrCreate(key: string, create: () => T): T;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
}

/**
 * Least-recently-used cache over a Map (which keeps insertion order: re-inserting an entry marks it as
 * most recently used). Bounded because its keys come from data: tenants, providers, models, tokens,
 * statements. `onEvict` hears of each entry dropped to make room (not of `delete` or `clear`).
 */
export function createLruCache<T>(maxEntries: number, onEvict?: (key: string, value: T) => void): LruCache<T> {
  const entries = new Map<string, T>();
  const set = (key: string, value: T): void => {
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > maxEntries) {
      const oldest = entries.entries().next();
      if (oldest.done) return;
      const [oldestKey, oldestValue] = oldest.value;
      entries.delete(oldestKey);
      onEvict?.(oldestKey, oldestValue);
    }
  };
  const get = (key: string): T | undefined => {
    const cached = entries.get(key);
    if (cached === undefined) return undefined;
    entries.delete(key);
    entries.set(key, cached);
    return cached;
  };
  return {
    get,
    set,
    getOrCreate(key, create) {
      const cached = get(key);
      if (cached !== undefined) return cached;
      const created = create();
      set(key, created);
      return created;
    },
    delete: (key) => void entries.delete(key),
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
