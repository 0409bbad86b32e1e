import { idParams } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import type { ProactiveSettingsService } from './proactive-settings.service.js';
import {
  agentProactiveSchema,
  conversationProactiveSchema,
  proactiveToggleBody,
  quietHoursBody,
  quietHoursSchema,
} from './proactive.schemas.js';

const tags = ['companion'];
const security = [{ bearer: [] }];
const config = { access: 'authenticated' } as const;

/** The user's own choices about proactive messages (docs/companion.md). */
export function registerProactiveRoutes(app: App, settings: ProactiveSettingsService): void {
  app.get('/v1/conversations/:id/proactive', {
    config,
    schema: {
      tags,
      security,
      summary: 'Whether the agent may write first in this conversation',
      params: idParams,
      response: { 200: conversationProactiveSchema },
    },
    handler: (request) => settings.conversationView(actorOf(request), request.params.id),
  });

  app.put('/v1/conversations/:id/proactive', {
    config,
    schema: {
      tags,
      security,
      summary: 'Turn proactive messages on or off in your conversation',
      params: idParams,
      body: proactiveToggleBody,
      response: { 200: conversationProactiveSchema },
    },
    handler: (request) => settings.setForConversation(actorOf(request), request.params.id, request.body),
  });

  app.get('/v1/agents/:id/proactive', {
    config,
    schema: {
      tags,
      security,
      summary: 'Whether this agent may write first to you',
      params: idParams,
      response: { 200: agentProactiveSchema },
    },
    handler: (request) => settings.agentView(actorOf(request), request.params.id),
  });

  app.put('/v1/agents/:id/proactive', {
    config,
    schema: {
      tags,
      security,
      summary: "Turn this agent's proactive messages on or off for you, in all your conversations with it",
      params: idParams,
      body: proactiveToggleBody,
      response: { 200: agentProactiveSchema },
    },
    handler: (request) => settings.setForAgent(actorOf(request), request.params.id, request.body),
  });

  app.get('/v1/auth/me/quiet-hours', {
    config,
    schema: {
      tags,
      security,
      summary: 'Your time zone and quiet hours',
      response: { 200: quietHoursSchema },
    },
    handler: (request) => settings.quietHours(actorOf(request)),
  });

  app.put('/v1/auth/me/quiet-hours', {
    config,
    schema: {
      tags,
      security,
      summary: 'Set your time zone and quiet hours (no proactive message reaches you then)',
      body: quietHoursBody,
      response: { 200: quietHoursSchema },
    },
    handler: (request) => settings.setQuietHours(actorOf(request), request.body),
  });
}
