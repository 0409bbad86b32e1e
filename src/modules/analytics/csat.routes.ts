import { supportDeskAccess as access } from '../inbox/support/support-access.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { csatQuery, csatReportSchema, lowRatingsPageSchema, lowRatingsQuery } from './csat.schemas.js';
import type { CsatService } from './csat.service.js';

const tags = ['analytics'];
const security = [{ bearer: [] }];

export function registerCsatRoutes(app: App, service: CsatService): void {
  app.get('/v1/analytics/csat', {
    config: { access },
    schema: {
      tags,
      security,
      summary:
        'CSAT per operator, inbox or label over a date range, by day or week: ratings, average, share satisfied (an operator: their own)',
      querystring: csatQuery,
      response: { 200: csatReportSchema },
    },
    handler: (request) => service.report(actorOf(request), request.query),
  });

  app.get('/v1/analytics/csat/low-ratings', {
    config: { access },
    schema: {
      tags,
      security,
      summary:
        'Ratings at or below maxRating (default 2) in a date range, newest first, with comment and conversation (an operator: their own)',
      querystring: lowRatingsQuery,
      response: { 200: lowRatingsPageSchema },
    },
    handler: (request) => service.lowRatings(actorOf(request), request.query),
  });
}
