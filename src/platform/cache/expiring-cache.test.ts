import { describe, expect, it, vi } from 'vitest';
import { createExpiringCache } from './expiring-cache.js';

function cacheWithClock(ttlMs = 5_000) {
  let nowMs = 0;
  const cache = createExpiringCache<string[]>({ ttlMs, maxEntries: 10, now: () => nowMs });
  return { cache, advance: (ms: number) => (nowMs += ms) };
}

describe('expiring cache', () => {
  it('reads a key once within the time to live, and again after it', async () => {
    const { cache, advance } = cacheWithClock();
    const read = vi.fn(async () => ['acme']);

    await cache.load('t1', read);
    advance(4_999);
    await cache.load('t1', read);
    expect(read).toHaveBeenCalledTimes(1);

    advance(1);
    await cache.load('t1', read);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('keeps keys apart', async () => {
    const { cache } = cacheWithClock();
    expect(await cache.load('t1', async () => ['one'])).toEqual(['one']);
    expect(await cache.load('t2', async () => ['two'])).toEqual(['two']);
    expect(await cache.load('t1', async () => ['not read'])).toEqual(['one']);
  });

  it('shares one read between concurrent loads of a key', async () => {
    const { cache } = cacheWithClock();
    const read = vi.fn(async () => ['acme']);
    const [first, second] = await Promise.all([cache.load('t1', read), cache.load('t1', read)]);
    expect(read).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
  });

  it('reads again after an invalidation, also when the invalidated read was still running', async () => {
    const { cache } = cacheWithClock();
    let finishStaleRead: (value: string[]) => void = () => undefined;
    const stale = cache.load('t1', () => new Promise<string[]>((resolve) => (finishStaleRead = resolve)));
    cache.invalidate('t1');
    finishStaleRead(['old key']);
    await stale;
    expect(await cache.load('t1', async () => ['new key'])).toEqual(['new key']);
  });

  it('does not keep a failed read', async () => {
    const { cache } = cacheWithClock();
    await expect(cache.load('t1', () => Promise.reject(new Error('unreadable key')))).rejects.toThrow('unreadable key');
    expect(await cache.load('t1', async () => ['fixed'])).toEqual(['fixed']);
  });

  it('reads every key again after a clear', async () => {
    const { cache } = cacheWithClock();
    await cache.load('t1', async () => ['one']);
    await cache.load('t2', async () => ['two']);
    cache.clear();
    expect(await cache.load('t1', async () => ['one, read again'])).toEqual(['one, read again']);
    expect(await cache.load('t2', async () => ['two, read again'])).toEqual(['two, read again']);
  });

  it('peeks only at a finished, unexpired read, never at one in flight', async () => {
    const { cache, advance } = cacheWithClock();
    let finish: (value: string[]) => void = () => undefined;
    const loading = cache.load('t1', () => new Promise<string[]>((resolve) => (finish = resolve)));
    expect(cache.peek('t1')).toBeUndefined();
    finish(['key']);
    await loading;
    expect(cache.peek('t1')).toEqual(['key']);
    advance(5_001);
    expect(cache.peek('t1')).toBeUndefined();
    expect(cache.peek('t2')).toBeUndefined();
  });
});
