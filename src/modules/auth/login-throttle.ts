import { AppError } from '../../platform/errors.js';

/**
 * Counts failed sign-ins per account and per address in a fixed window. In-process: with several
 * nodes each node counts its own share, which still bounds guessing to N × nodes per window.
 */
export interface LoginThrottle {
  assertAllowed(keys: readonly string[]): void;
  recordFailure(keys: readonly string[]): void;
  reset(keys: readonly string[]): void;
}

export function createLoginThrottle(options: {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}): LoginThrottle {
  const now = options.now ?? Date.now;
  const failures = new Map<string, { count: number; windowStartedAt: number }>();

  const current = (key: string) => {
    const entry = failures.get(key);
    if (!entry || now() - entry.windowStartedAt >= options.windowMs) return undefined;
    return entry;
  };

  return {
    assertAllowed(keys) {
      for (const key of keys) {
        const entry = current(key);
        if (entry && entry.count >= options.maxFailures) {
          const retryAfterSeconds = Math.ceil((entry.windowStartedAt + options.windowMs - now()) / 1000);
          throw new AppError('rate_limited', 'Too many failed sign-in attempts; wait before trying again', {
            retryAfterSeconds,
          });
        }
      }
    },
    recordFailure(keys) {
      if (failures.size > 100_000) failures.clear(); // bounded memory under a spray of addresses
      for (const key of keys) {
        const entry = current(key);
        failures.set(key, entry ? { ...entry, count: entry.count + 1 } : { count: 1, windowStartedAt: now() });
      }
    },
    reset(keys) {
      for (const key of keys) failures.delete(key);
    },
  };
}
