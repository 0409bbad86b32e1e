import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that:
 * - a DELETE may carry `Content-Type: application/json` with no body. Several HTTP clients send that
 *   header on every request, and no delete here takes a body, so Fastify's "body cannot be empty" only
 *   broke them. Any other method with an empty JSON body is still refused, with a sentence
 *   (error-handler.ts);
 * - a body refused for a `__proto__` or `constructor.prototype` key says so, where Fastify's answer
 *   was "not valid JSON" for a body that is;
 * - a charset other than UTF-8 is refused (415): it was read as UTF-8 whatever it said; and bytes that
 *   are not UTF-8 are refused (400), where each became U+FFFD and was stored so.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      // JSON is UTF-8 (RFC 8259); read as UTF-8, a body in another charset would be stored garbled.
      done(
        new AppError('unsupported_media_type', `JSON bodies must be UTF-8, not ${charset}; send charset=utf-8 or none`),
      );
      return;
    }
    let text: string;
    try {
      text = typeof body === 'string' ? body : strictUtf8.decode(body);
    } catch {
      // Decoded leniently, each bad byte became U+FFFD: the stored text would differ from what was meant.
      done(new AppError('malformed_request', 'The request body is not valid UTF-8; send JSON encoded as UTF-8'));
      return;
    }
    if (text === '' && request.method === 'DELETE') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, (error, value) => {
      if (error && isValidJson(text)) {
        done(
          new AppError(
            'malformed_request',
            'The request body has a key named __proto__, or constructor holding prototype, which this API refuses; rename or remove it',
          ),
        );
        return;
      }
      done(error, value);
    });
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The charset parameter of a Content-Type, lower-cased, if it has one. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/** Only on the error path: valid JSON that the parser refused was refused for a poisoning key. */
function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
