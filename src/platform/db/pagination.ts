import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';

/**
 * Keyset pagination over (created_at, id), newest first, matching the `(tenant_id, created_at)`
 * indexes. The cursor carries the timestamp as PostgreSQL prints it, so microseconds survive the
 * round trip (a JS Date would truncate them and skip or repeat rows).
 */
export interface PageCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly after?: PageCursor | undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

// PostgreSQL's text form of a timestamptz (DateStyle ISO), e.g. `2026-01-31 09:15:02.123456+00`.
const timestampText = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::[0-5]\d){0,2}$/;

/** A forged timestamp would fail the cast in SQL (a 500); checked here it is a 400 instead. */
function isTimestampText(text: string): boolean {
  const parts = timestampText.exec(text)?.slice(1).map(Number);
  if (!parts) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0] = parts;
  const date = new Date(Date.UTC(year, month - 1, day));
  const isRealDate = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return isRealDate && hour < 24 && minute < 60 && second < 60 && offsetHours <= 15;
}

const cursorPayload = z.tuple([z.string().max(64).refine(isTimestampText), z.uuid()]);

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(value: string): PageCursor | undefined {
  try {
    const parsed = cursorPayload.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? { createdAt: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

/** The text form of a row's created_at, selected next to the row to build its cursor. */
export const cursorTimestamp = (createdAt: PgColumn): SQL<string> => sql<string>`${createdAt}::text`;

/** Rows strictly after the cursor in newest-first order. */
export function afterCursor(createdAt: PgColumn, id: PgColumn, after: PageCursor | undefined): SQL | undefined {
  if (!after) return undefined;
  return sql`(${createdAt}, ${id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`;
}

/** Newest first, id as the tie-breaker so the order is total. */
export const newestFirst = (createdAt: PgColumn, id: PgColumn): SQL[] => [sql`${createdAt} desc`, sql`${id} desc`];

/**
 * Repositories fetch `limit + 1` rows; the extra one only says whether another page exists.
 * Each row comes with the cursor text of its created_at.
 */
export function toPage<Row extends { id: string }, View>(
  rows: readonly { row: Row; cursorAt: string }[],
  limit: number,
  present: (row: Row) => View,
): Page<View> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  const hasMore = rows.length > limit;
  return {
    items: pageRows.map((entry) => present(entry.row)),
    nextCursor: hasMore && last ? encodeCursor({ createdAt: last.cursorAt, id: last.row.id }) : null,
  };
}
