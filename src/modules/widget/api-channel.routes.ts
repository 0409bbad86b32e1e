import { z } from 'zod';
import { actorOf, type App } from '../../platform/http/types.js';
import { supportDeskAccess } from '../inbox/support/support-access.js';
import type { ApiChannel } from './api-channel.service.js';
import {
  apiConversationParams,
  apiInboxParams,
  apiPostMessageBody,
  apiPostMessageResultSchema,
} from './api-channel.schemas.js';
import {
  csatBody,
  csatResultSchema,
  handoffResultSchema,
  widgetConversationSchema,
  widgetMessageSchema,
} from './widget.schemas.js';

const tags = ['api-channel'];
const security = [{ bearer: [] }];
// API keys (or sessions) of operators and admins: a member's key is refused.
const config = { access: supportDeskAccess };
const conversationBase = '/v1/inboxes/:id/conversations/:conversationId';

/** The API channel (docs/integrations.md, "API channel"): your system speaks for its contacts. */
export function registerApiChannelRoutes(app: App, channel: ApiChannel): void {
  app.post('/v1/inboxes/:id/messages', {
    config,
    schema: {
      tags,
      security,
      summary: "Post a contact's message to an `api` inbox; replies arrive by webhook (message.created)",
      params: apiInboxParams,
      body: apiPostMessageBody,
      response: { 200: apiPostMessageResultSchema, 201: apiPostMessageResultSchema },
    },
    handler: async (request, reply) => {
      const result = await channel.post(actorOf(request), request.params.id, request.body);
      return reply.status(result.isReplay ? 200 : 201).send(result);
    },
  });

  app.get(conversationBase, {
    config,
    schema: {
      tags,
      security,
      summary: 'A support conversation of the inbox, as its contact sees it',
      params: apiConversationParams,
      response: { 200: widgetConversationSchema },
    },
    handler: (request) => channel.get(actorOf(request), request.params.id, request.params.conversationId),
  });

  app.get(`${conversationBase}/messages`, {
    config,
    schema: {
      tags,
      security,
      summary: 'Its messages as its contact sees them, oldest first (never notes, models or sources)',
      params: apiConversationParams,
      response: { 200: z.object({ items: z.array(widgetMessageSchema) }) },
    },
    handler: (request) => channel.messages(actorOf(request), request.params.id, request.params.conversationId),
  });

  app.post(`${conversationBase}/handoff`, {
    config,
    schema: {
      tags,
      security,
      summary: 'The contact asks for a person: the AI stops answering and the conversation waits for an operator',
      params: apiConversationParams,
      response: { 200: handoffResultSchema },
    },
    handler: (request) => channel.handoff(actorOf(request), request.params.id, request.params.conversationId),
  });

  app.post(`${conversationBase}/csat`, {
    config,
    schema: {
      tags,
      security,
      summary: "The contact's rating (1–5) of a resolved conversation, once; sent on as csat.submitted",
      params: apiConversationParams,
      body: csatBody,
      response: { 201: csatResultSchema },
    },
    handler: async (request, reply) =>
      reply
        .status(201)
        .send(await channel.rate(actorOf(request), request.params.id, request.params.conversationId, request.body)),
  });
}
