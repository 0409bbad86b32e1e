import { createConversationsRepository } from '../../src/modules/conversations/conversations.repository.js';
import { createMessagesRepository } from '../../src/modules/conversations/messages.repository.js';
import { decodeCursor } from '../../src/platform/db/pagination.js';
import type { BenchDatabase } from './bench-database.js';

export interface ExplainedQuery {
  readonly label: string;
  readonly sql: string;
  readonly plan: string;
  /** Index names the plan reads, and whether any table is read sequentially. */
  readonly indexes: readonly string[];
  readonly hasSeqScan: boolean;
}

export interface ExplainContext {
  readonly tenantId: string;
  readonly memberId: string;
  readonly conversationId: string;
  readonly middleCursor: string | undefined;
  readonly olderCursor: string | undefined;
}

/**
 * EXPLAIN ANALYZE of the SQL the real repositories generate for the timed pages: the repositories run
 * once on a recording Drizzle instance, and each captured statement is explained with its parameters.
 */
export async function explainPageQueries(db: BenchDatabase, context: ExplainContext): Promise<ExplainedQuery[]> {
  const conversations = createConversationsRepository();
  const messages = createMessagesRepository();
  const cursor = context.middleCursor ? decodeCursor(context.middleCursor) : undefined;
  const filter = (ownerId: string | undefined) => ({
    ownerId,
    projectId: undefined,
    isArchived: false,
    titleContains: undefined,
  });

  const cases: { label: string; run: (recording: ReturnType<BenchDatabase['recordingDb']>) => Promise<unknown> }[] = [
    {
      label: 'list, first page (member)',
      run: (rdb) => conversations.list(rdb, context.tenantId, filter(context.memberId), { limit: 20 }),
    },
    {
      label: 'list, middle page by cursor (member)',
      run: (rdb) => conversations.list(rdb, context.tenantId, filter(context.memberId), { limit: 20, after: cursor }),
    },
    {
      label: 'list, first page (admin: whole tenant)',
      run: (rdb) => conversations.list(rdb, context.tenantId, filter(undefined), { limit: 20 }),
    },
    {
      label: 'history, latest 50 messages',
      run: (rdb) => messages.listWindow(rdb, context.tenantId, context.conversationId, { kind: 'latest' }, 50),
    },
    {
      label: 'history, the 50 before those',
      run: (rdb) =>
        context.olderCursor
          ? messages.listWindow(
              rdb,
              context.tenantId,
              context.conversationId,
              { kind: 'before', messageId: context.olderCursor },
              50,
            )
          : Promise.resolve(),
    },
  ];

  const explained: ExplainedQuery[] = [];
  for (const entry of cases) {
    const captured: { sql: string; params: unknown[] }[] = [];
    await entry.run(db.recordingDb((sql, params) => captured.push({ sql, params })));
    for (const statement of captured) {
      const rows = await db.query(`explain (analyze, buffers, costs off) ${statement.sql}`, statement.params);
      const plan = rows.map((row) => String(Object.values(row)[0])).join('\n');
      explained.push({
        label: entry.label,
        sql: inlineParams(statement.sql, statement.params),
        plan,
        indexes: [...new Set([...plan.matchAll(/using (\w+)/gi)].map((match) => match[1]!))],
        hasSeqScan: /Seq Scan/.test(plan),
      });
    }
  }
  return explained;
}

/** For reading only: the statement with its parameters written in. */
function inlineParams(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, index: string) => {
    const value = params[Number(index) - 1];
    return typeof value === 'number'
      ? String(value)
      : `'${String(value instanceof Date ? value.toISOString() : value)}'`;
  });
}
