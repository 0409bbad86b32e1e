import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that a DELETE may carry
 * `Content-Type: application/json` with no body. Several HTTP clients send that header on every
 * request, and no delete here takes a body, so Fastify's "body cannot be empty" only broke them.
 * Any other method with an empty JSON body is still refused, with a sentence (error-handler.ts).
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '' && request.method === 'DELETE') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}
