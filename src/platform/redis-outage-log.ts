import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** While Redis stays away, one line this often says it still is. */
const stillFailingEveryMs = 60_000;

/**
 * Logs a Redis connection's errors as outages: the first error of one, then a line a minute while it
 * lasts, then one when the connection is back. ioredis reconnects every two seconds and reports each
 * failed try as an error, so a Redis down for an hour wrote some 1,800 identical warnings per
 * connection, burying the lines around them.
 */
export function logRedisOutages(connection: Redis, logger: Logger, name: string): void {
  let outage: { readonly since: number; errors: number; loggedAt: number } | undefined;
  connection.on('error', (error: Error) => {
    const now = Date.now();
    if (!outage) {
      outage = { since: now, errors: 1, loggedAt: now };
      logger.warn({ err: error.message }, `${name} error`);
      return;
    }
    outage.errors += 1;
    if (now - outage.loggedAt < stillFailingEveryMs) return;
    outage.loggedAt = now;
    logger.warn(
      { err: error.message, errors: outage.errors, failingForSeconds: Math.round((now - outage.since) / 1000) },
      `${name} still failing`,
    );
  });
  connection.on('ready', () => {
    if (!outage) return;
    const { since, errors } = outage;
    outage = undefined;
    logger.info({ errors, failedForSeconds: Math.round((Date.now() - since) / 1000) }, `${name} back`);
  });
}
