import { tenantAdminAccess as access } from '../../access/require-access.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { overviewCsv, overviewCsvFilename } from './analytics-csv.js';
import { analyticsOverviewSchema, analyticsQuery, type AnalyticsOverview } from './analytics.schemas.js';
import type { AnalyticsService } from './analytics.service.js';

const tags = ['analytics'];
const security = [{ bearer: [] }];

/** CSV when asked by `?format=csv`, or by an Accept header that prefers text/csv to JSON. */
function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return accept !== undefined && /\btext\/csv\b/.test(accept) && !/\bapplication\/json\b/.test(accept);
}

export function registerAnalyticsRoutes(app: App, service: AnalyticsService): void {
  app.get('/v1/analytics/overview', {
    config: {
      access,
      docs: {
        otherAnswers: {
          200: {
            description: 'With `Accept: text/csv` or `?format=csv`: the series, one row per day or week',
            mediaType: 'text/csv',
          },
        },
      },
    },
    schema: {
      tags,
      security,
      summary:
        'Every analytics figure for a date range (UTC days, both included), by day or week, filtered by agent, inbox or operator',
      querystring: analyticsQuery,
      response: { 200: analyticsOverviewSchema },
    },
    handler: async (request, reply) => {
      const overview = await service.overview(actorOf(request), request.query);
      if (!wantsCsv(request.query.format, request.headers.accept)) return overview;
      // Fastify serializes only JSON content types: a text/csv string goes out as it is. The typed reply
      // knows only the JSON answer, hence the cast.
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${overviewCsvFilename(overview)}"`)
        .send(overviewCsv(overview) as unknown as AnalyticsOverview);
    },
  });
}
