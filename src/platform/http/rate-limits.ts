import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { createLruCache } from '../lru-cache.js';

/** The budget of a caller nobody has signed in as: its address's (the auth routes', and failures). */
export const addressKey = (request: FastifyRequest): string => `address:${request.ip}`;

/**
 * Whose budget a request spends. A signed-in caller's own, wherever they call from: keyed by address,
 * users behind one office's NAT or one proxy shared a budget, and one of them could spend everybody's
 * (an audit saw another tenant's user refused on their first request). Anyone else's by address.
 */
const callerKey = (request: FastifyRequest): string =>
  request.actor ? `user:${request.actor.userId}` : addressKey(request);

const tooManyRequests = (ttlMs: number): AppError =>
  new AppError('rate_limited', `Too many requests; try again in ${Math.ceil(ttlMs / 1000)} seconds`, {
    retryAfterSeconds: Math.ceil(ttlMs / 1000),
  });

/** Addresses over their budget of failed authentications, remembered per node. */
const blockedAddressesKept = 10_000;

export interface FailedAuthentications {
  /**
   * Whether this node saw an address spend its budget on failed authentications: its requests with an API
   * key are then refused before the key is looked up, so a flood of made-up keys stops costing a query
   * each. Kept per node, so that no request pays a round trip to Redis for it.
   */
  isBlocked(request: FastifyRequest): boolean;
  /** Counts a request that failed to authenticate; throws 429 once its address is past the budget. */
  count(request: FastifyRequest): Promise<void>;
}

/**
 * RATE_LIMIT_PER_MINUTE for every route but those that opt out (health) or set their own (sign-in). The
 * plugin's hook runs after authentication, which it needs for the caller's key; a request that fails
 * to authenticate is answered before that, so it is counted here instead (`FailedAuthentications`):
 * before, 15,000 requests with made-up API keys were all answered 401 and each cost a query.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  options: { readonly perMinute: number; readonly redis?: Redis },
): Promise<FailedAuthentications> {
  await app.register(fastifyRateLimit, {
    max: options.perMinute,
    timeWindow: '1 minute',
    keyGenerator: callerKey,
    ...(options.redis && { redis: options.redis, nameSpace: 'parley-rate-limit:' }),
    // Without Redis a counter cannot be read: serve the request unlimited rather than answer 500.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => tooManyRequests(context.ttl),
  });
  const limitFailure = app.createRateLimit({ keyGenerator: addressKey });
  const blockedUntil = createLruCache<number>(blockedAddressesKept);
  return {
    isBlocked: (request) => (blockedUntil.get(request.ip) ?? 0) > Date.now(),
    async count(request) {
      const result = await limitFailure(request);
      if (result.isAllowed || !result.isExceeded) return;
      blockedUntil.set(request.ip, Date.now() + result.ttl);
      throw tooManyRequests(result.ttl);
    },
  };
}
