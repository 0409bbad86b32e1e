import { idempotencyKeyHeaders, idParams } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import {
  deskMessagePageSchema,
  deskMessageSchema,
  deskMessagesQuery,
  operatorListSchema,
  operatorReplyBody,
  presenceBody,
  presenceSchema,
  replySuggestionSchema,
} from './desk.schemas.js';
import type { OperatorDesk } from './operator-desk.service.js';
import type { OperatorPresence } from './operator-presence.js';
import { supportDeskAccess } from '../support/support-access.js';
import { queueCountsQuery, queueCountsSchema } from '../support/support.schemas.js';
import type { SupportService } from '../support/support.service.js';

const security = [{ bearer: [] }];
const config = { access: supportDeskAccess };
const tags = ['support'];
const base = '/v1/support-conversations';

/** The operator's side of a support conversation: the queue's counts, its messages, replies and drafts. */
export function registerDeskRoutes(
  app: App,
  services: { support: SupportService; desk: OperatorDesk; presence: OperatorPresence },
): void {
  const { support, desk, presence } = services;
  app.get('/v1/operators', {
    config,
    schema: {
      tags,
      security,
      summary:
        "The tenant's operators and administrators: online, away or offline (from their sockets), with open conversations",
      response: { 200: operatorListSchema },
    },
    handler: (request) => presence.list(actorOf(request)),
  });
  app.put('/v1/operators/me/presence', {
    config,
    schema: {
      tags,
      security,
      summary: 'Set yourself away or back online (you must have the console open: presence comes from your sockets)',
      body: presenceBody,
      response: { 200: presenceSchema },
    },
    handler: (request) => presence.setStatus(actorOf(request), request.body.status),
  });
  app.get(`${base}/counts`, {
    config,
    schema: {
      tags,
      security,
      summary: "The queue's tabs (mine, unassigned, all) with how many conversations each holds",
      querystring: queueCountsQuery,
      response: { 200: queueCountsSchema },
    },
    handler: (request) => support.counts(actorOf(request), request.query),
  });
  app.get(`${base}/:id/messages`, {
    config,
    schema: {
      tags,
      security,
      summary: "The conversation's messages, with status changes as system lines (never private notes), oldest first",
      params: idParams,
      querystring: deskMessagesQuery,
      response: { 200: deskMessagePageSchema },
    },
    handler: (request) => desk.listMessages(actorOf(request), request.params.id, request.query),
  });
  app.post(`${base}/:id/messages`, {
    config,
    schema: {
      tags,
      security,
      summary:
        'Reply to the contact as yourself (delivered live); a conversation nobody has yet is taken by the reply, which stops the AI',
      description:
        'Sent again with the same `clientMessageId`, or the same `Idempotency-Key` header, it stores nothing new ' +
        'and answers the first reply.',
      params: idParams,
      headers: idempotencyKeyHeaders,
      body: operatorReplyBody,
      response: { 201: deskMessageSchema },
    },
    handler: async (request, reply) => {
      const { clientMessageId = request.headers['idempotency-key'], ...body } = request.body;
      return reply
        .status(201)
        .send(await desk.reply(actorOf(request), request.params.id, { ...body, clientMessageId }));
    },
  });
  app.post(`${base}/:id/reply-suggestion`, {
    config,
    schema: {
      tags,
      security,
      summary: "A draft reply from the inbox agent's knowledge sources and the conversation; nothing is sent",
      params: idParams,
      response: { 200: replySuggestionSchema },
    },
    handler: (request) => desk.suggestReply(actorOf(request), request.params.id),
  });
}
