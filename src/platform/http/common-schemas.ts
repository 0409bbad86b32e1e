import { z } from 'zod';
import { decodeCursor, type PageRequest } from '../db/pagination.js';

/**
 * The `Idempotency-Key` header of a request that stores something: a retry under the same key stores
 * nothing new (docs/chat.md, docs/customer-service.md). Balancers may send such a request again after a
 * failed connection, as they would a GET.
 */
export const idempotencyKeyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x20-\x7e]{1,200}$/, 'must be 1 to 200 printable ASCII characters')
    .optional(),
});

/** `:id` path parameters: anything but a UUID is a 400, before any query runs. */
export const idParams = z.object({ id: z.uuid() });

/**
 * An absolute http:// or https:// URL. One that cannot be read at all (a port above 65535, a space in
 * the host) is told apart from one of another scheme: "must be http(s)" would send the caller looking
 * at the wrong part.
 */
export const httpUrl = z
  .url({
    protocol: /^https?$/,
    error: (issue) => {
      if (issue.input === undefined) return undefined;
      const isUnreadable = typeof issue.input === 'string' && !URL.canParse(issue.input);
      return isUnreadable ? 'is not a valid URL' : 'must be an http:// or https:// URL';
    },
  })
  .max(2048, 'must be at most 2048 characters');

/** The opaque `?cursor` of a keyset page (`nextCursor` of the page before), decoded; a forged one is a 400. */
export const cursorSchema = z
  .string()
  .max(200)
  .transform((value, context) => {
    const cursor = decodeCursor(value);
    if (!cursor) {
      context.addIssue({ code: 'custom', message: 'is not a cursor returned by this endpoint' });
      return z.NEVER;
    }
    return cursor;
  });

/**
 * `?limit=1..100` (default 20) and the opaque `?cursor` from the previous page's `nextCursor`. Strict,
 * like every other list's query, so a misspelt parameter (`?limt=5`) is named instead of ignored.
 */
export const pageQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: cursorSchema.optional(),
  })
  .transform(({ limit, cursor }): PageRequest => ({ limit, after: cursor }));

export const pageOf = <Item extends z.ZodType>(item: Item) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const noContent = z.null();

/**
 * A PATCH body: its fields are all optional, and an empty one is refused (400) naming what it may hold,
 * rather than answered 200 with nothing changed, which hides a client's mistake.
 */
export const patchBody = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject(shape).refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: `send at least one of ${Object.keys(shape).join(', ')}`,
  });

/**
 * Nothing a reader can see: spaces, zero-width and format characters, marks with no letter to sit on,
 * and the letters drawn blank (the Hangul fillers, the blank Braille pattern).
 */
const invisibleOnly = /^[\s\p{Cf}\p{Mn}\p{Me}\u115F\u1160\u3164\uFFA0\u2800]*$/u;
/**
 * Control characters, and the direction overrides and isolates that make "\u202Eexe.txt" show as
 * "txt.exe" to everyone who reads the name (document titles drop them instead: document-title.ts).
 */
const controlOrDirection = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * A name or title people read in lists: trimmed, at most `max` characters, and with something visible.
 * A name of zero-width spaces passed `trim()` and was listed as a blank row nobody could click.
 */
export const visibleText = (max: number) =>
  z
    .string()
    .trim()
    // One way of writing each accented letter, so "Café" typed two ways is one name, and one length.
    .normalize('NFC')
    .min(1)
    .max(max)
    // An empty one is min(1)'s to name.
    .refine((text) => text === '' || !invisibleOnly.test(text), 'must have a visible character')
    .refine(
      (text) => !controlOrDirection.test(text),
      'must not hold control characters or text-direction overrides (such as U+202E), which make it read as something else',
    );
