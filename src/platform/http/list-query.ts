import { z } from 'zod';
import { decodeCursor } from '../db/pagination.js';

/**
 * The pieces of `pageQuery` (common-schemas.ts) for lists that take more query parameters than
 * limit and cursor, so they can be spread into one strict object.
 */
export const pageLimit = z.coerce
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(100, 'must be at most 100')
  .default(20);

const timestampText = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(?:[+-](\d{2})(?::(\d{2}))?|Z)$/;

/**
 * A timestamptz as PostgreSQL prints it, and one it will accept back: a forged cursor with a bad
 * date would otherwise fail the cast in SQL and turn into a 500 instead of a 400 here.
 */
function isTimestampText(text: string): boolean {
  const match = timestampText.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, , offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined || part.startsWith('.') ? undefined : Number(part)));
  if (!year || !month || !day || hour === undefined || minute === undefined || second === undefined) return false;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

export const pageCursor = z
  .string()
  .max(200)
  .transform((value, context) => {
    const cursor = decodeCursor(value);
    if (!cursor || !isTimestampText(cursor.createdAt)) {
      context.addIssue({
        code: 'custom',
        message: 'is not a cursor returned by this endpoint; pass nextCursor unchanged',
      });
      return z.NEVER;
    }
    return cursor;
  });

/** `?archived=true|false`: a query string carries text, not booleans. */
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
