import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Bodies are read as sent: a gzipped JSON body was answered "not valid JSON", which sends the caller
 * looking at its JSON. A body with a Content-Encoding other than identity is refused before it is read.
 */
export async function refuseEncodedBody(request: FastifyRequest): Promise<void> {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return;
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  throw new AppError(
    'unsupported_media_type',
    `Request bodies are not decompressed: send the body without Content-Encoding ('${encoding.slice(0, 40)}' was given)`,
  );
}
