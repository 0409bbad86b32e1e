import { supportDeskAccess as access } from '../inbox/support/support-access.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { replyTargetsReportQuery, replyTargetsReportSchema } from './reply-targets-report.schemas.js';
import type { ReplyTargetsReportService } from './reply-targets-report.service.js';

export function registerReplyTargetsReportRoutes(app: App, service: ReplyTargetsReportService): void {
  app.get('/v1/analytics/reply-targets', {
    config: { access },
    schema: {
      tags: ['analytics'],
      security: [{ bearer: [] }],
      summary:
        'Reply-time targets met and missed (first response, next response, resolution) per team, inbox or operator over a date range (an operator: their own)',
      querystring: replyTargetsReportQuery,
      response: { 200: replyTargetsReportSchema },
    },
    handler: (request) => service.report(actorOf(request), request.query),
  });
}
