import type { Logger } from '../logger.js';
import type { DatabaseHandle, DatabaseSession } from './client.js';

/** pg_advisory_lock's key for setting up the shared schema; advisory locks are per database. */
export const setupLockKey = 727274;

/**
 * Runs `work` while this node alone sets up what every node shares: the migrations, and pg-boss's schema
 * and queues. Nodes starting at once on a fresh PostgreSQL database otherwise raced through pg-boss's
 * `CREATE SCHEMA` and `create_queue`, and one of them died of a duplicate key or a deadlock (4 starts in 5,
 * in an audit). The lock is held by one connection of its own, so its unlock reaches the session that
 * locked. Embedded storage has one process and one session: `work` just runs.
 */
export async function whileSettingUp<T>(
  handle: DatabaseHandle,
  work: (session: DatabaseSession) => Promise<T>,
  logger?: Pick<Logger, 'info'>,
): Promise<T> {
  if (handle.kind === 'embedded') return handle.withOwnSession(work);
  return handle.withOwnSession(async (session) => {
    const { rows } = await session.executeSql('select pg_try_advisory_lock($1) as locked', [setupLockKey]);
    if (!(rows[0] as { locked: boolean } | undefined)?.locked) {
      // Otherwise a start waits without a word for as long as another node migrates.
      logger?.info('another node is setting up the database (migrations, job queues); waiting for it to finish');
      await session.executeSql('select pg_advisory_lock($1)', [setupLockKey]);
    }
    try {
      return await work(session);
    } finally {
      await session.executeSql('select pg_advisory_unlock($1)', [setupLockKey]);
    }
  });
}
