import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * PostgreSQL's text cannot hold U+0000: a name, a message or a search term carrying one failed at the
 * database with a 500. Every request's JSON body, query string and path parameters are checked before
 * validation, and a NUL is refused as a validation problem naming the field.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const field = nulField(request.params, '') ?? nulField(request.query, '') ?? nulField(request.body, '');
  if (field === undefined) return;
  const message = 'contains the NUL character (U+0000), which cannot be stored; remove it';
  throw new AppError('validation_failed', `The request is invalid — ${field}: ${message}`, {
    fields: [{ field, message }],
  });
}

/** The dotted path of the first string (or key) holding a NUL, in what a JSON parser can produce. */
function nulField(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || 'body' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulField(item, join(path, String(index)));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // Parsed JSON and query strings only: raw bytes and streams (an upload) are not walked.
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || isStream(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\0')) return join(path, key.replaceAll('\0', '\\u0000'));
    const found = nulField(item, join(path, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

function isStream(value: object): boolean {
  return typeof (value as { pipe?: unknown }).pipe === 'function';
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);
