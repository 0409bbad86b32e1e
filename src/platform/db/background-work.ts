import { AsyncLocalStorage } from 'node:async_hooks';

const background = new AsyncLocalStorage<true>();

/**
 * Runs `work` as background work: the database calls it makes, however deep, are marked so. Embedded
 * storage has one session, and lets requests' statements go before a background job's next
 * transaction (ADR 13); PostgreSQL has a session per connection and ignores the mark.
 */
export function runAsBackgroundWork<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

export function isBackgroundWork(): boolean {
  return background.getStore() === true;
}
