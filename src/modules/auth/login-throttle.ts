import { AppError } from '../../platform/errors.js';

/**
 * Counts failed sign-ins per account and per address in a fixed window. Keys are `account:<email>` and
 * `address:<ip>`. Async because scaled-out nodes count in Redis (redis-login-throttle.ts), so that N
 * nodes allow N failures per window, not N × nodes.
 */
export interface LoginThrottle {
  /** Rejects with `rate_limited` once any key has used up its failures. */
  assertAllowed(keys: readonly string[]): Promise<void>;
  recordFailure(keys: readonly string[]): Promise<void>;
  reset(keys: readonly string[]): Promise<void>;
}

export interface LoginThrottleOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const tooManyFailures = (retryAfterSeconds: number): AppError =>
  new AppError('rate_limited', 'Too many failed sign-in attempts; wait before trying again', {
    retryAfterSeconds: Math.max(1, retryAfterSeconds),
  });

/** In-process counts: embedded servers, and a scaled-out node while Redis cannot be reached. */
export function createLoginThrottle(
  options: LoginThrottleOptions & { now?: () => number; maxEntries?: number },
): LoginThrottle {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const failures = new Map<string, { count: number; windowStartedAt: number }>();

  const current = (key: string) => {
    const entry = failures.get(key);
    if (!entry || now() - entry.windowStartedAt >= options.windowMs) return undefined;
    return entry;
  };

  return {
    async assertAllowed(keys) {
      for (const key of keys) {
        const entry = current(key);
        if (entry && entry.count >= options.maxFailures) {
          throw tooManyFailures(Math.ceil((entry.windowStartedAt + options.windowMs - now()) / 1000));
        }
      }
    },
    async recordFailure(keys) {
      for (const key of keys) {
        const entry = current(key);
        if (entry) {
          failures.set(key, { ...entry, count: entry.count + 1 });
        } else {
          // A new window goes to the end, so the map stays in the order the windows started.
          failures.delete(key);
          failures.set(key, { count: 1, windowStartedAt: now() });
        }
      }
      // Bounded memory under a spray of addresses: the oldest windows are forgotten first. (Forgetting
      // them all at once would have let a spray wipe an account's count.)
      for (const key of failures.keys()) {
        if (failures.size <= maxEntries) break;
        failures.delete(key);
      }
    },
    async reset(keys) {
      for (const key of keys) failures.delete(key);
    },
  };
}
