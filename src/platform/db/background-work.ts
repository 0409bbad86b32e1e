import { AsyncLocalStorage } from 'node:async_hooks';

const background = new AsyncLocalStorage<true>();
let isMarking = false;

/**
 * Embedded storage reads the marks (ADR 13) and turns them on when it opens. Nothing else does, and on
 * Node 20 an AsyncLocalStorage once run makes every promise of the process pay a hook from then on (a
 * tenth of a streamed reply's CPU, bench/results/chat-profile-2026-11-27.md): on PostgreSQL it is never run.
 */
export function markBackgroundWork(): void {
  isMarking = true;
}

/**
 * Runs `work` as background work: the database calls it makes, however deep, are marked so. Embedded
 * storage has one session, and lets requests' statements go before a background job's next
 * transaction (ADR 13); PostgreSQL has a session per connection and needs no mark.
 */
export function runAsBackgroundWork<T>(work: () => Promise<T>): Promise<T> {
  return isMarking ? background.run(true, work) : work();
}

export function isBackgroundWork(): boolean {
  return background.getStore() === true;
}
