import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { rowsOf } from '../../platform/db/raw-sql.js';
import type { conversationEventTypes } from '../../platform/db/schema/index.js';

/** A place in the log read across conversations: its order is (tx, conversation, seq). */
export interface LogPosition {
  readonly tx: string;
  readonly conversationId: string;
  readonly seq: number;
}

/** One event of the log, as the readers across conversations get it. */
export interface FeedEvent {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly type: (typeof conversationEventTypes)[number];
  readonly messageId: string | null;
  /** The message's row as stored then (`to_jsonb`, snake_case), or the conversation's state. */
  readonly payload: Record<string, unknown>;
  readonly tx: string;
}

const lowestConversation = '00000000-0000-0000-0000-000000000000';

/** Everything of transactions below `horizon` read, nothing of the others. */
export const positionBelow = (horizon: string): LogPosition => ({
  tx: horizon,
  conversationId: lowestConversation,
  seq: -1,
});

const after = (position: LogPosition): SQL =>
  // The row comparison is one range of the index on (tx, conversation_id, seq).
  sql`(e.tx, e.conversation_id, e.seq) > (${position.tx}::xid8, ${position.conversationId}::uuid, ${position.seq}::bigint)`;

/**
 * The SQL of the log's readers across conversations (conversation-log-feed.ts). A reader's position only
 * moves below the horizon, the oldest transaction still running: every transaction below it has committed
 * or rolled back, so no event can appear behind the position once it moved past it.
 */
export function createConversationLogFeedRepository() {
  return {
    /**
     * The reader's position, its row locked until the transaction ends; undefined when another node's
     * pass holds it (that pass reads the same events). A reader new to this storage starts at the horizon.
     */
    async lockCursor(
      tx: Executor,
      reader: string,
      wait: boolean,
    ): Promise<{ position: LogPosition; updatedAt: Date } | undefined> {
      const [row] = rowsOf<{ tx: string; conversationId: string; seq: string | number; updatedAt: string | Date }>(
        await tx.execute(sql`
          select tx::text as tx, conversation_id as "conversationId", seq, updated_at as "updatedAt"
          from log_cursors where reader = ${reader} for update ${wait ? sql`` : sql`skip locked`}`),
      );
      if (row) {
        const position = { tx: row.tx, conversationId: row.conversationId, seq: Number(row.seq) };
        return { position, updatedAt: new Date(row.updatedAt) };
      }
      // Held by another pass, or none yet: a new row is ours (locked by its insert) and starts here.
      const [made] = rowsOf<{ tx: string }>(
        await tx.execute(sql`
          insert into log_cursors (reader, tx, conversation_id, seq)
          values (${reader}, pg_snapshot_xmin(pg_current_snapshot()), ${lowestConversation}, -1)
          on conflict do nothing returning tx::text as tx`),
      );
      return made && { position: positionBelow(made.tx), updatedAt: new Date() };
    },

    /** The oldest transaction still running (or the next one): the log below it is settled. */
    async horizon(db: Executor): Promise<string> {
      const rows = rowsOf<{ horizon: string }>(
        await db.execute(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`),
      );
      return rows[0]!.horizon;
    },

    /** Up to `limit` committed events past `position`, those `only` keeps, in the log's order. */
    async eventsPast(db: Executor, position: LogPosition, limit: number, only: SQL | undefined): Promise<FeedEvent[]> {
      const rows = rowsOf<FeedEvent & { seq: string | number }>(
        await db.execute(sql`
          select e.tenant_id as "tenantId", e.conversation_id as "conversationId", e.seq, e.type,
            e.message_id as "messageId", e.payload, e.tx::text as tx
          from conversation_events e
          where ${after(position)} ${only ? sql`and (${only})` : sql``}
          order by e.tx, e.conversation_id, e.seq
          limit ${limit}`),
      );
      return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
    },

    /**
     * Whether events `only` keeps wait past the reader's position, committed (below the horizon or not):
     * a poll that finds none opens no transaction. A reader with no cursor yet has none waiting.
     */
    async hasEventsPast(db: Executor, reader: string, only: SQL | undefined): Promise<boolean> {
      const rows = rowsOf<{ waiting: boolean }>(
        await db.execute(sql`
          select exists (select 1 from log_cursors c join conversation_events e
              on (e.tx, e.conversation_id, e.seq) > (c.tx, c.conversation_id, c.seq)
            where c.reader = ${reader} ${only ? sql`and (${only})` : sql``}) as waiting`),
      );
      return rows[0]?.waiting === true;
    },

    async advance(tx: Executor, reader: string, position: LogPosition): Promise<void> {
      await tx.execute(sql`
        update log_cursors set tx = ${position.tx}::xid8, conversation_id = ${position.conversationId}::uuid,
          seq = ${position.seq}, updated_at = now()
        where reader = ${reader}`);
    },
  };
}

export type ConversationLogFeedRepository = ReturnType<typeof createConversationLogFeedRepository>;
