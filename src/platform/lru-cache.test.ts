import { describe, expect, it } from 'vitest';
import { createLruCache } from './lru-cache.js';

describe('createLruCache', () => {
  it('drops the least recently used entry to make room, and says which', () => {
    const evicted: string[] = [];
    const cache = createLruCache<number>(2, (key, value) => evicted.push(`${key}=${value}`));
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3);
    expect(evicted).toEqual(['b=2']);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.size]).toEqual([1, 3, 2]);
  });

  it('does not report entries removed by delete or clear', () => {
    const evicted: string[] = [];
    const cache = createLruCache<number>(2, (key) => evicted.push(key));
    cache.set('a', 1);
    cache.set('a', 10);
    cache.set('b', 2);
    cache.delete('a');
    cache.clear();
    expect(evicted).toEqual([]);
    expect(cache.size).toBe(0);
  });
});
