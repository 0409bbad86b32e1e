import { AppError } from '../../platform/errors.js';

/**
 * Counts failed sign-ins per account and per address in a fixed window. Keys are `account:<email>` and
 * `address:<ip>`. Async because scaled-out nodes count in Redis (redis-login-throttle.ts), so that N
 * nodes allow N failures per window, not N × nodes.
 *
 * An attempt is counted as a failure before its password is checked, and taken back if it succeeds.
 * Checking first and counting after the check let a burst of attempts made at the same moment all
 * pass (24 of 24 against a limit of 10, in an audit): none had failed yet when each was checked.
 *
 * It also remembers the addresses each account signed in from (`known:<email>|<ip>`, for 30 days):
 * failures from elsewhere do not lock an account for them (auth.service.ts).
 */
export interface LoginThrottle {
  /** Counts an attempt against every key; rejects with `rate_limited` once any key is past its failures. */
  countAttempt(keys: readonly string[]): Promise<void>;
  /** The attempt succeeded: it is no failure, and is taken back from `keys`. */
  forgive(keys: readonly string[]): Promise<void>;
  reset(keys: readonly string[]): Promise<void>;
  /** Remembers `key` for `knownAddressMs` (an address an account signed in from). */
  remember(key: string): Promise<void>;
  isRemembered(key: string): Promise<boolean>;
}

/** How long an address an account signed in from stays known to it. */
export const knownAddressMs = 30 * 24 * 60 * 60_000;

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
  /** Until when each remembered key is known, oldest first. */
  const remembered = new Map<string, number>();

  const current = (key: string) => {
    const entry = failures.get(key);
    if (!entry || now() - entry.windowStartedAt >= options.windowMs) return undefined;
    return entry;
  };

  return {
    async countAttempt(keys) {
      let spent: { count: number; windowStartedAt: number } | undefined;
      for (const key of keys) {
        const entry = current(key);
        const counted = entry ? { ...entry, count: entry.count + 1 } : { count: 1, windowStartedAt: now() };
        // A new window goes to the end, so the map stays in the order the windows started.
        if (!entry) failures.delete(key);
        failures.set(key, counted);
        if (counted.count > options.maxFailures) spent ??= counted;
      }
      // Bounded memory under a spray of addresses: the oldest windows are forgotten first. (Forgetting
      // them all at once would have let a spray wipe an account's count.)
      for (const key of failures.keys()) {
        if (failures.size <= maxEntries) break;
        failures.delete(key);
      }
      if (spent) throw tooManyFailures(Math.ceil((spent.windowStartedAt + options.windowMs - now()) / 1000));
    },
    async forgive(keys) {
      for (const key of keys) {
        const entry = current(key);
        if (entry) failures.set(key, { ...entry, count: Math.max(0, entry.count - 1) });
      }
    },
    async reset(keys) {
      for (const key of keys) failures.delete(key);
    },
    async remember(key) {
      remembered.delete(key);
      remembered.set(key, now() + knownAddressMs);
      for (const oldest of remembered.keys()) {
        if (remembered.size <= maxEntries) break;
        remembered.delete(oldest);
      }
    },
    async isRemembered(key) {
      return (remembered.get(key) ?? 0) > now();
    },
  };
}
