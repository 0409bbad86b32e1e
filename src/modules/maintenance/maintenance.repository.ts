import { and, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { rowsOf } from '../../platform/db/raw-sql.js';
import type { MessageRow } from '../conversations/messages.repository.js';
import { files, idempotencyKeys, knowledgeDocuments, messages, refreshTokens } from '../../platform/db/schema/index.js';

/**
 * House-keeping SQL. These sweeps run as the system across all tenants on purpose: they only delete
 * expired rows or close abandoned ones, and never return tenant data.
 */
export function createMaintenanceRepository() {
  return {
    async deleteIdempotencyKeysBefore(db: Executor, cutoff: Date): Promise<number> {
      const rows = await db
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.createdAt, cutoff))
        .returning({ key: idempotencyKeys.key });
      return rows.length;
    },

    async deleteRefreshTokensExpiredBefore(db: Executor, cutoff: Date): Promise<number> {
      const rows = await db
        .delete(refreshTokens)
        .where(lt(refreshTokens.expiresAt, cutoff))
        .returning({ id: refreshTokens.id });
      return rows.length;
    },

    /**
     * Gives back the budget reservations of calls that never settled (their node died mid-call), so a
     * tenant's budget is not held by them until the month ends. Returns how many.
     */
    async releaseExpiredBudgetReservations(db: Executor, now: Date): Promise<number> {
      const result = await db.execute(sql`
        WITH expired AS (
          DELETE FROM budget_reservations WHERE expires_at < ${now.toISOString()}::timestamptz
          RETURNING tenant_id, month, tokens, cost_micros
        ), released AS (
          SELECT tenant_id, month, sum(tokens) AS tokens, sum(cost_micros) AS cost_micros, count(*) AS calls
            FROM expired GROUP BY tenant_id, month
        ), updated AS (
          UPDATE tenant_monthly_usage u
             SET reserved_tokens = greatest(u.reserved_tokens - released.tokens, 0),
                 reserved_cost_micros = greatest(u.reserved_cost_micros - released.cost_micros, 0)
            FROM released
           WHERE u.tenant_id = released.tenant_id AND u.month = released.month
        )
        SELECT coalesce(sum(calls), 0) AS calls FROM released`);
      return Number(rowsOf<{ calls: string | number }>(result)[0]?.calls ?? 0);
    },

    /**
     * Drops each conversation's log events up to its newest one older than `cutoff`: a prefix of its log,
     * never a hole in it (a resume from before it gets a snapshot, docs/realtime.md). At most `limit`
     * conversations a call, through the index on created_at. Returns how many events went.
     */
    async pruneConversationEventsBefore(db: Executor, cutoff: Date, limit: number): Promise<number> {
      const result = await db.execute(sql`
        WITH old AS (
          SELECT conversation_id, max(seq) AS through FROM conversation_events
           WHERE created_at < ${cutoff.toISOString()}::timestamptz
           GROUP BY conversation_id LIMIT ${limit}
        ), gone AS (
          DELETE FROM conversation_events e USING old
           WHERE e.conversation_id = old.conversation_id AND e.seq <= old.through
          RETURNING 1
        )
        SELECT count(*) AS events FROM gone`);
      return Number(rowsOf<{ events: string | number }>(result)[0]?.events ?? 0);
    },

    referencedStorageKeys,
    storageKeysAfter,

    /**
     * Replies still `streaming` whose node stopped: their lease went stale (reply-leases.ts), or, for a
     * reply without one, it is older than any model call could last. Returns the rows it failed, whose
     * watchers are then told (the realtime layer's final `error` event).
     */
    async failAbandonedReplies(
      db: Executor,
      // Ages on the database's clock, which renews the leases (chat.repository.ts): no node's clock counts.
      cutoffs: { readonly staleAfterMs: number; readonly startedMsAgo: number },
      reason: { code: string; message: string },
    ): Promise<MessageRow[]> {
      return db
        .update(messages)
        .set({
          status: 'error',
          errorCode: reason.code,
          errorMessage: reason.message,
          finishReason: 'error',
          completedAt: new Date(),
        })
        .where(
          and(
            eq(messages.status, 'streaming'),
            or(
              lt(messages.aliveAt, sql`now() - ${cutoffs.staleAfterMs} * interval '1 millisecond'`),
              and(
                isNull(messages.aliveAt),
                lt(messages.createdAt, sql`now() - ${cutoffs.startedMsAgo} * interval '1 millisecond'`),
              ),
            ),
          ),
        )
        .returning();
    },
  };
}

export type MaintenanceRepository = ReturnType<typeof createMaintenanceRepository>;

/**
 * The storage keys rows name (attachments, documents and the files they replace), after `afterKey` in
 * key order, a page at a time. Each part walks its storage-key index (migration 0012).
 */
async function storageKeysAfter(db: Executor, afterKey: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ key: files.storageKey })
    .from(files)
    .where(gt(files.storageKey, afterKey))
    .union(
      db
        .select({ key: sql<string>`${knowledgeDocuments.storageKey}` })
        .from(knowledgeDocuments)
        .where(gt(knowledgeDocuments.storageKey, afterKey)),
    )
    .union(
      db
        .select({ key: sql<string>`${knowledgeDocuments.replacedStorageKey}` })
        .from(knowledgeDocuments)
        .where(gt(knowledgeDocuments.replacedStorageKey, afterKey)),
    )
    .orderBy(sql`1`)
    .limit(limit);
  return rows.map((row) => row.key);
}

/**
 * Every storage key a row names, the same three columns as below, as one statement without parameters:
 * `parley backup` runs it at its snapshot's point, to take the files that snapshot names (platform/backup).
 */
export const namedStorageKeysSql = `select storage_key as key from files
  union select storage_key from knowledge_documents where storage_key is not null
  union select replaced_storage_key from knowledge_documents where replaced_storage_key is not null`;

/** Which of these storage keys a row still names: a chat attachment, a knowledge document or the file it replaces. */
async function referencedStorageKeys(db: Executor, keys: readonly string[]): Promise<Set<string>> {
  const [attachments, documents, replacedDocuments] = await Promise.all([
    db
      .select({ key: files.storageKey })
      .from(files)
      .where(inArray(files.storageKey, [...keys])),
    db
      .select({ key: knowledgeDocuments.storageKey })
      .from(knowledgeDocuments)
      .where(inArray(knowledgeDocuments.storageKey, [...keys])),
    db
      .select({ key: knowledgeDocuments.replacedStorageKey })
      .from(knowledgeDocuments)
      .where(inArray(knowledgeDocuments.replacedStorageKey, [...keys])),
  ]);
  return new Set(
    [...attachments, ...documents, ...replacedDocuments].map((row) => row.key).filter((key) => key !== null),
  );
}
