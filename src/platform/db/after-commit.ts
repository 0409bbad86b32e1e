import { is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Database, Executor, Transaction } from './client.js';

/** The work waiting for each open transaction opened by `transaction()` below to commit. */
const waitingForCommit = new WeakMap<object, (() => void)[]>();

/**
 * `db.transaction`, plus what `afterCommit` registered on it, run once it committed (never after a
 * rollback). The outbox uses it to relay a change's webhook events at once (webhook-outbox.ts).
 */
export async function transaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const callbacks: (() => void)[] = [];
  const result = await db.transaction(async (tx) => {
    waitingForCommit.set(tx, callbacks);
    return work(tx);
  });
  for (const callback of callbacks) callback();
  return result;
}

/**
 * Runs `callback` once what `executor` wrote is committed: at once for a statement outside a transaction,
 * after the commit for a transaction opened by `transaction()`. A transaction opened otherwise (or a
 * savepoint) gives no such moment: answers false, and the caller leaves the work to its sweep.
 */
export function afterCommit(executor: Executor, callback: () => void): boolean {
  const callbacks = waitingForCommit.get(executor);
  if (callbacks) {
    callbacks.push(callback);
    return true;
  }
  if (is(executor, PgTransaction)) return false;
  callback();
  return true;
}
