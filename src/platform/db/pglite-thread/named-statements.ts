/**
 * Parameterised statements run as named prepared statements, kept by their text (ADR 14).
 *
 * PGlite's `query` parses, analyses and plans every statement anew, and hands PostgreSQL six protocol
 * messages one at a time (parse, describe, bind, describe, execute, sync). Here a statement is parsed
 * once under a name and each later run is one batch: bind, describe, execute, sync. PostgreSQL's plan
 * cache then decides, as it does for node-postgres' named statements, when a generic plan may be
 * reused. Statements without parameters (migrations, scripts, DDL) keep PGlite's own path.
 */
import { parse, protocol, type PGlite, type Results, type RowMode } from '@electric-sql/pglite';
import { createLruCache } from '../../lru-cache.js';

const { serialize } = protocol;

interface NamedStatement {
  readonly name: string;
  /** What PostgreSQL inferred for each parameter: PGlite's serializers are chosen by it. */
  readonly parameterTypes: readonly number[];
}

export interface NamedStatements {
  /** Runs `sql` with `params`, inside the open transaction if `inTransaction`, else on its own. */
  query(sql: string, params: readonly unknown[], rowMode: RowMode, inTransaction: boolean): Promise<Results>;
}

/** SQLSTATE 26000: the named statement is gone (a `DEALLOCATE` or `DISCARD ALL` ran). */
const statementGone = '26000';
/** SQLSTATE 0A000 with this message: DDL changed the columns a cached statement returns. */
const resultTypeChanged = 'cached plan must not change result type';

export function createNamedStatements(db: PGlite, capacity: number): NamedStatements {
  /** Close messages for statements evicted or gone stale, sent with the next statement prepared. */
  let closes: Uint8Array[] = [];
  const statements = createLruCache<NamedStatement>(capacity, (_, evicted) => {
    closes.push(serialize.close({ type: 'S', name: evicted.name }));
  });
  let nextName = 0;

  async function prepare(sql: string): Promise<NamedStatement> {
    const name = `parley_${nextName++}`;
    const batch = Buffer.concat([
      ...closes,
      serialize.parse({ name, text: sql }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    ]);
    closes = [];
    const messages = await db.execProtocolStream(batch, { syncToFs: false });
    const statement = { name, parameterTypes: parse.parseDescribeStatementResults(messages) };
    statements.set(sql, statement);
    return statement;
  }

  async function execute(statement: NamedStatement, params: readonly unknown[], rowMode: RowMode): Promise<Results> {
    const values = params.map((param, index) => serializeParameter(db, param, statement.parameterTypes[index]));
    const batch = Buffer.concat([
      serialize.bind({ statement: statement.name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    const messages = await db.execProtocolStream(batch, { syncToFs: false });
    return parse.parseResults(messages, db.parsers, { rowMode })[0]!;
  }

  async function run(sql: string, params: readonly unknown[], rowMode: RowMode, canRetry: boolean): Promise<Results> {
    const statement = statements.get(sql) ?? (await prepare(sql));
    try {
      return await execute(statement, params, rowMode);
    } catch (error) {
      if (!isStale(error)) throw error;
      statements.delete(sql);
      closes.push(serialize.close({ type: 'S', name: statement.name }));
      // Inside a transaction the error has aborted it; the caller sees the error, as on PostgreSQL.
      if (!canRetry) throw error;
      return execute(await prepare(sql), params, rowMode);
    }
  }

  return {
    async query(sql, params, rowMode, inTransaction) {
      // The same locks PGlite's own query() and a transaction's query() take.
      if (inTransaction) return db._runExclusiveQuery(() => run(sql, params, rowMode, false));
      await db._checkReady();
      return db._runExclusiveTransaction(() =>
        db._runExclusiveQuery(async () => {
          const results = await run(sql, params, rowMode, true);
          // As PGlite's query() does after a statement outside a transaction (a no-op on the Node filesystem).
          await db.syncToFs();
          return results;
        }),
      );
    },
  };
}

function isStale(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === statementGone || (code === '0A000' && error.message.includes(resultTypeChanged));
}

/** As PGlite's query() turns a value into a parameter: its serializer for the type, or the value's text. */
function serializeParameter(db: PGlite, param: unknown, type: number | undefined): string | null {
  if (param === null || param === undefined) return null;
  const serializer = type === undefined ? undefined : db.serializers[type];
  if (serializer) return serializer(param);
  // PGlite's own fallback is the value's toString(); Drizzle hands over dates and JSON already mapped.
  return (param as { toString(): string }).toString();
}
