import type { ChatModelFactory } from './providers/chat-model-factory.js';

export interface ProviderCache {
  getOrCreate(key: string, create: () => ChatModelFactory): ChatModelFactory;
  readonly size: number;
}

/**
 * Least-recently-used cache of provider instances, so a chat turn does not rebuild its provider.
 * Bounded because every tenant provider (and every key rotation) adds an entry.
 */
export function createProviderCache(maxEntries: number): ProviderCache {
  const entries = new Map<string, ChatModelFactory>();
  return {
    getOrCreate(key, create) {
      const cached = entries.get(key);
      if (cached) {
        // Map keeps insertion order: re-inserting marks the entry as most recently used.
        entries.delete(key);
        entries.set(key, cached);
        return cached;
      }
      const created = create();
      entries.set(key, created);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      return created;
    },
    get size() {
      return entries.size;
    },
  };
}
