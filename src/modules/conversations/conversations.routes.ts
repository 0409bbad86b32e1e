import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import {
  conversationPageSchema,
  conversationSchema,
  createConversationBody,
  listConversationsQuery,
  updateConversationBody,
} from './conversations.schemas.js';
import type { ConversationsService } from './conversations.service.js';
import { messageHistoryQuery, messageHistorySchema } from './messages.schemas.js';
import type { MessagesService } from './messages.service.js';

const tags = ['conversations'];
const security = [{ bearer: [] }];

export interface ConversationsRouteServices {
  readonly conversations: ConversationsService;
  readonly messages: MessagesService;
}

export function registerConversationsRoutes(app: App, services: ConversationsRouteServices): void {
  const { conversations, messages } = services;

  app.get('/v1/conversations', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "Your conversations, most recent activity first (operators and admins: all of the tenant's)",
      querystring: listConversationsQuery,
      response: { 200: conversationPageSchema },
    },
    handler: (request) => conversations.list(actorOf(request), request.query),
  });

  app.post('/v1/conversations', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Start a conversation with an agent',
      body: createConversationBody,
      response: { 201: conversationSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await conversations.create(actorOf(request), request.body)),
  });

  app.get('/v1/conversations/:id', {
    config: { access: 'authenticated' },
    schema: { tags, security, summary: 'One conversation', params: idParams, response: { 200: conversationSchema } },
    handler: (request) => conversations.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/conversations/:id', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Rename, archive or move a conversation to a project',
      params: idParams,
      body: updateConversationBody,
      response: { 200: conversationSchema },
    },
    handler: (request) => conversations.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/conversations/:id', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Delete a conversation and its messages',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await conversations.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.get('/v1/conversations/:id/messages', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Message history, oldest first; walk it with before/after',
      params: idParams,
      querystring: messageHistoryQuery,
      response: { 200: messageHistorySchema },
    },
    handler: (request) => messages.listHistory(actorOf(request), request.params.id, request.query),
  });
}
