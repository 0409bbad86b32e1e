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

/** decodeCursor also refuses a timestamp PostgreSQL would not accept, so a forged cursor is a 400. */
export const pageCursor = z
  .string()
  .max(200)
  .transform((value, context) => {
    const cursor = decodeCursor(value);
    if (!cursor) {
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
