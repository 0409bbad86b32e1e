import type { FastifyRequest } from 'fastify';
import { unstorableCharacter } from '../db/storable-text.js';
import { AppError } from '../errors.js';

/**
 * PostgreSQL cannot store U+0000, and its `jsonb` refuses half a surrogate pair: a name, a message or
 * a search term carrying one failed at the database with a 500. Every request's JSON body, query
 * string and path parameters are checked before validation, and such a character is refused as a
 * validation problem naming the field.
 */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  const found = unstorableIn(request.params, '') ?? unstorableIn(request.query, '') ?? unstorableIn(request.body, '');
  if (found === undefined) return;
  const message = `contains ${found.character}, which cannot be stored; remove it`;
  throw new AppError('validation_failed', `The request is invalid — ${found.field}: ${message}`, {
    fields: [{ field: found.field, message }],
  });
}

interface Found {
  readonly field: string;
  readonly character: string;
}

/** The dotted path of the first string (or key) that cannot be stored, in what a JSON parser can produce. */
function unstorableIn(value: unknown, path: string): Found | undefined {
  if (typeof value === 'string') {
    const character = unstorableCharacter(value);
    return character === undefined ? undefined : { field: path || 'body', character };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableIn(item, join(path, String(index)));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // Parsed JSON and query strings only: raw bytes and streams (an upload) are not walked.
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || isStream(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const character = unstorableCharacter(key);
    if (character !== undefined) return { field: join(path, storableKey(key)), character };
    const found = unstorableIn(item, join(path, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A key as it can be shown back in a problem body (which is JSON too). */
const storableKey = (key: string): string => JSON.stringify(key).slice(1, -1);

function isStream(value: object): boolean {
  return typeof (value as { pipe?: unknown }).pipe === 'function';
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);
