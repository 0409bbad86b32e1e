import { expect } from 'vitest';
import type { DatabaseSession } from '../../src/platform/db/client.js';
import { eventually } from './chat-setup.js';

/**
 * Waits for a pg-boss job of `name` about this conversation (or whatever `field` of its data names) to be
 * waiting for its retry, checks the wait pg-boss set is the job's backoff (at least its retry delay after
 * it last started), and brings the retry forward to now: a test sees the retry run without sitting out
 * 3–20 s of real backoff per failure.
 */
export async function bringRetryForward(
  database: Pick<DatabaseSession, 'executeSql'>,
  name: string,
  subjectId: string,
  retryCount: number,
  field: 'conversationId' | 'documentId' = 'conversationId',
): Promise<void> {
  const job = await eventually(async () => {
    const { rows } = await database.executeSql(
      `select id, extract(epoch from start_after - started_on) as "waitSeconds", retry_delay as "retryDelay"
       from pgboss.job
       where name = $1 and data->>$4 = $2 and state = 'retry' and retry_count = $3`,
      [name, subjectId, retryCount, field],
    );
    return rows[0] as { id: string; waitSeconds: number; retryDelay: number } | undefined;
  }, 60_000);
  expect(Number(job.waitSeconds)).toBeGreaterThanOrEqual(job.retryDelay);
  await database.executeSql(
    `update pgboss.job set start_after = now() where name = $1 and id = $2 and state = 'retry'`,
    [name, job.id],
  );
}

/** Brings forward whatever retry the job about this conversation waits for, if any, unchecked. */
export async function bringAnyRetryForward(
  database: Pick<DatabaseSession, 'executeSql'>,
  name: string,
  conversationId: string,
): Promise<void> {
  await database.executeSql(
    `update pgboss.job set start_after = now() where name = $1 and data->>'conversationId' = $2 and state = 'retry'`,
    [name, conversationId],
  );
}
