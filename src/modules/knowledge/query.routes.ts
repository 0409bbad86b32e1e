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
      description:
        'Hybrid search fuses BM25 and vector candidates; when the source names a `rerankModel`, that model reorders ' +
        'the best of them (`rerank: false` leaves it out, to compare). A reranker that fails does not fail the search: ' +
        'the results come in hybrid order, `reranking.message` says why, and the model is left out for 15 s. Lexical and ' +
        'vector modes show each list alone. Lexical and hybrid search also read a word the source does not hold as its ' +
        'spelling one edit away, and split or glued words as the source writes them, each listed in `corrections` and ' +
        'weighted below the words as typed; codes, numbers and names are never corrected, and `correct: false` turns ' +
        'this off.',
      params: idParams,
      body: queryBody,
      response: { 200: queryResultSchema },
    },
    handler: (request) => service.query(actorOf(request), request.params.id, request.body),
  });
}
