import { idParams } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { queryBody, queryResultSchema } from './query.schemas.js';
import type { QueryService } from './query.service.js';

export function registerQueryRoutes(app: App, service: QueryService): void {
  app.post('/v1/knowledge-sources/:id/query', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['knowledge'],
      security: [{ bearer: [] }],
      summary: 'Search a knowledge source (hybrid, lexical or vector), as an agent would',
      params: idParams,
      body: queryBody,
      response: { 200: queryResultSchema },
    },
    handler: (request) => service.query(actorOf(request), request.params.id, request.body),
  });
}
