import { idParams } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { markReadBody, readReceiptSchema, summaryListSchema } from './companion.schemas.js';
import type { ReadReceiptsService } from './read-receipts.service.js';
import type { SummariesService } from './summaries.service.js';

const tags = ['companion'];
const security = [{ bearer: [] }];

export interface CompanionRouteServices {
  readonly readReceipts: ReadReceiptsService;
  readonly summaries: SummariesService;
}

export function registerCompanionRoutes(app: App, services: CompanionRouteServices): void {
  app.post('/v1/conversations/:id/read', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "Mark the other side's messages read, up to and including one message",
      params: idParams,
      body: markReadBody,
      response: { 200: readReceiptSchema },
    },
    handler: (request) => services.readReceipts.markRead(actorOf(request), request.params.id, request.body),
  });

  app.get('/v1/conversations/:id/summaries', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "The conversation's summaries, newest first",
      params: idParams,
      response: { 200: summaryListSchema },
    },
    handler: (request) => services.summaries.list(actorOf(request), request.params.id),
  });
}
