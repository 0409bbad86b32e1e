import { idParams } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import {
  applySuggestionBody,
  suggestionListSchema,
  suggestionParams,
  suggestionSchema,
} from './personality-suggestions.schemas.js';
import type { PersonalitySuggestionsService } from './personality-suggestions.service.js';

const tags = ['companion'];
const security = [{ bearer: [] }];

export function registerPersonalitySuggestionRoutes(app: App, service: PersonalitySuggestionsService): void {
  app.get('/v1/conversations/:id/personality-suggestions', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "Suggestions to adapt the agent's personality to you, newest first (the conversation's owner)",
      params: idParams,
      response: { 200: suggestionListSchema },
    },
    handler: (request) => service.list(actorOf(request), request.params.id),
  });

  app.post('/v1/conversations/:id/personality-suggestions/:suggestionId/apply', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Apply a personality suggestion to this conversation, or to the agent itself',
      description:
        '`conversation`: every later turn of this conversation gets the suggested instructions after the ' +
        "agent's own. `agent`: they are added to the agent's instructions, for everyone; only someone allowed " +
        'to edit the agent (403 otherwise). 409 when the suggestion was decided already.',
      params: suggestionParams,
      body: applySuggestionBody,
      response: { 200: suggestionSchema },
    },
    handler: (request) => service.apply(actorOf(request), request.params.id, request.params.suggestionId, request.body),
  });

  app.post('/v1/conversations/:id/personality-suggestions/:suggestionId/dismiss', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Dismiss a personality suggestion (409 when it was decided already)',
      params: suggestionParams,
      response: { 200: suggestionSchema },
    },
    handler: (request) => service.dismiss(actorOf(request), request.params.id, request.params.suggestionId),
  });
}
