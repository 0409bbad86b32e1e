import type { FastifyRequest } from 'fastify';
import { unstorableCharacter } from '../db/storable-text.js';
import { AppError } from '../errors.js';

/**
 * No API body is nested anywhere near this deep. A body nested 100,000 levels (a few hundred KB of
 * brackets) parses, but every recursive walk after that (this guard, validation, JSON.stringify before
 * a jsonb column) overflows the stack, which failed as a 500.
 */
const maxNesting = 64;

/**
 * Input Parley cannot store or process, refused before validation as a problem naming the field:
 * - U+0000, which PostgreSQL's text cannot hold, and half a surrogate pair, which its `jsonb` refuses
 *   (a name, a message or a search term carrying one failed at the database with a 500);
 * - JSON nested deeper than any API body is.
 * Every request's JSON body, query string and path parameters are walked.
 */
export async function refuseUnstorableInput(request: FastifyRequest): Promise<void> {
  const found =
    unstorableIn(request.params, '', 0) ?? unstorableIn(request.query, '', 0) ?? unstorableIn(request.body, '', 0);
  if (found === undefined) return;
  throw new AppError('validation_failed', `The request is invalid — ${found.field}: ${found.message}`, {
    fields: [found],
  });
}

interface Found {
  readonly field: string;
  readonly message: string;
}

const unstorable = (field: string, character: string): Found => ({
  field,
  message: `contains ${character}, which cannot be stored; remove it`,
});

/** The dotted path of the first string (or key) that cannot be stored, in what a JSON parser can produce. */
function unstorableIn(value: unknown, path: string, depth: number): Found | undefined {
  if (typeof value === 'string') {
    const character = unstorableCharacter(value);
    return character === undefined ? undefined : unstorable(path || 'body', character);
  }
  // Parsed JSON and query strings only: raw bytes and streams (an upload) are not walked.
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || isStream(value)) return undefined;
  if (depth === maxNesting) {
    return { field: path || 'body', message: `is nested more than ${maxNesting} levels deep; flatten it` };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableIn(item, join(path, String(index)), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const character = unstorableCharacter(key);
    if (character !== undefined) return unstorable(join(path, shownKey(key)), character);
    const found = unstorableIn(item, join(path, key), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A key as it can be shown back in a problem body (which is JSON too). */
const shownKey = (key: string): string => JSON.stringify(key).slice(1, -1);

function isStream(value: object): boolean {
  return typeof (value as { pipe?: unknown }).pipe === 'function';
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);
