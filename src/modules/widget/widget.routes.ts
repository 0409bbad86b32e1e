import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { addressKey } from '../../platform/http/rate-limits.js';
import { AppError } from '../../platform/errors.js';
import { noContent } from '../../platform/http/common-schemas.js';
import type { App } from '../../platform/http/types.js';
import { requireAllowedOrigin } from './widget-origin.js';
import { contactTokenOf, type Visitor, type WidgetSessions } from './widget-sessions.js';
import { streamWidgetConversation, type WidgetStreamDeps } from './widget-stream.js';
import {
  contactDetailsBody,
  conversationParams,
  csatBody,
  csatResultSchema,
  eventsQuery,
  handoffResultSchema,
  inboxParams,
  markReadBody,
  readResultSchema,
  publicInboxSchema,
  sendMessageBody,
  sendMessageResultSchema,
  sessionSchema,
  startSessionBody,
  widgetConversationSchema,
  widgetMessageSchema,
} from './widget.schemas.js';
import type { WidgetService } from './widget.service.js';
import type { WidgetSignals } from './widget-signals.js';
import { registerWidgetImageRoutes } from './widget-images.routes.js';

const tags = ['widget'];
const security = [{ contactToken: [] }];

export interface WidgetRoutesDeps {
  readonly sessions: WidgetSessions;
  readonly service: WidgetService;
  readonly signals: WidgetSignals;
  readonly imageMaxBytes: number;
  readonly stream: Omit<WidgetStreamDeps, 'service'>;
  /** Requests per minute per contact; an address gets ten times it. */
  readonly perMinute: number;
}

const lastEventId = (request: FastifyRequest): number | undefined => {
  const value = request.headers['last-event-id'];
  return typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : undefined;
};

export function registerWidgetRoutes(app: App, deps: WidgetRoutesDeps): void {
  const { sessions, service } = deps;
  const visitors = new WeakMap<FastifyRequest, Visitor>();
  // Per address: every route, sessions included. Per contact: checked once the token is known (below).
  const addressLimit = { max: deps.perMinute * 10, timeWindow: '1 minute', keyGenerator: addressKey };
  const contactKey = (prefix: string) => (request: FastifyRequest) =>
    `${prefix}:${createHash('sha256')
      .update(contactTokenOf(request.headers.authorization) ?? '')
      .digest('hex')
      .slice(0, 32)}`;
  const limitContact = app.createRateLimit({
    max: deps.perMinute,
    timeWindow: '1 minute',
    keyGenerator: contactKey('contact'),
  });
  // Typing has a budget of its own, so a visitor who types a lot still has every message of theirs.
  const limitTyping = app.createRateLimit({
    max: deps.perMinute,
    timeWindow: '1 minute',
    keyGenerator: contactKey('contact-typing'),
  });

  /** Who calls, from an allowed site, within their budget: else 401, 403 or 429 before the handler. */
  const admitWithin = (limitOf: typeof limitContact) =>
    async function admit(request: FastifyRequest): Promise<void> {
      const visitor = await sessions.authenticate(request.headers.authorization);
      requireAllowedOrigin(request, visitor.inbox.allowedOrigins);
      const limit = await limitOf(request);
      if (!limit.isAllowed && limit.isExceeded) {
        const seconds = Math.ceil(limit.ttl / 1000);
        throw new AppError('rate_limited', `Too many requests; try again in ${seconds} seconds`, {
          retryAfterSeconds: seconds,
        });
      }
      visitors.set(request, visitor);
    };
  const admitVisitor = admitWithin(limitContact);
  const visitorOf = (request: FastifyRequest): Visitor => visitors.get(request)!;
  const asVisitor = { access: 'public', rateLimit: addressLimit } as const;

  app.get('/v1/widget/inboxes/:inboxId', {
    config: { access: 'public', rateLimit: addressLimit },
    schema: { tags, summary: "An inbox's widget settings", params: inboxParams, response: { 200: publicInboxSchema } },
    handler: async (request) => {
      const inbox = await sessions.findInbox(request.params.inboxId);
      requireAllowedOrigin(request, inbox.allowedOrigins);
      return service.publicInbox(inbox);
    },
  });

  app.post('/v1/widget/inboxes/:inboxId/sessions', {
    config: { access: 'public', rateLimit: addressLimit },
    schema: {
      tags,
      summary: 'Start (or resume) a visitor session; the answer carries the contact token',
      params: inboxParams,
      body: startSessionBody,
      response: { 201: sessionSchema },
    },
    handler: async (request, reply) => {
      const inbox = await sessions.findInbox(request.params.inboxId);
      requireAllowedOrigin(request, inbox.allowedOrigins);
      return reply.status(201).send(await sessions.start(inbox.id, request.body, request.headers['user-agent']));
    },
  });

  app.patch('/v1/widget/contact', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: 'Leave an email or a name',
      body: contactDetailsBody,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await sessions.updateContact(visitorOf(request), request.body);
      return reply.status(204).send(null);
    },
  });

  app.get('/v1/widget/conversations', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: "The visitor's conversations in this inbox, newest first",
      response: { 200: z.object({ items: z.array(widgetConversationSchema) }) },
    },
    handler: (request) => service.list(visitorOf(request)),
  });

  app.post('/v1/widget/conversations', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: { tags, security, summary: 'Start a conversation', response: { 201: widgetConversationSchema } },
    handler: async (request, reply) => reply.status(201).send(await service.create(visitorOf(request))),
  });

  app.get('/v1/widget/conversations/:id', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: 'One conversation',
      params: conversationParams,
      response: { 200: widgetConversationSchema },
    },
    handler: (request) => service.get(visitorOf(request), request.params.id),
  });

  app.get('/v1/widget/conversations/:id/messages', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: 'The messages of a conversation, oldest first',
      params: conversationParams,
      response: { 200: z.object({ items: z.array(widgetMessageSchema) }) },
    },
    handler: (request) => service.messages(visitorOf(request), request.params.id),
  });

  app.post('/v1/widget/conversations/:id/messages', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: "Send a message; the AI's reply (if it answers) arrives on …/events",
      params: conversationParams,
      body: sendMessageBody,
      response: { 200: sendMessageResultSchema },
    },
    handler: (request) => service.send(visitorOf(request), request.params.id, request.body),
  });

  app.get('/v1/widget/conversations/:id/events', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: 'The conversation live, as Server-Sent Events (message, reply-started, delta, status)',
      params: conversationParams,
      querystring: eventsQuery,
    },
    handler: (request, reply) =>
      streamWidgetConversation({ ...deps.stream, service }, reply, visitorOf(request), {
        id: request.params.id,
        after: lastEventId(request) ?? request.query.after ?? 0,
      }),
  });

  app.post('/v1/widget/conversations/:id/handoff', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: 'Talk to a person: the AI stops answering and the conversation waits for an operator',
      params: conversationParams,
      response: { 200: handoffResultSchema },
    },
    handler: (request) => service.handoff(visitorOf(request), request.params.id),
  });

  app.post('/v1/widget/conversations/:id/csat', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: 'Rate a resolved conversation (1–5), once, when the inbox asks for ratings',
      params: conversationParams,
      body: csatBody,
      response: { 201: csatResultSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await service.rate(visitorOf(request), request.params.id, request.body)),
  });

  app.post('/v1/widget/conversations/:id/typing', {
    config: asVisitor,
    preHandler: admitWithin(limitTyping),
    schema: {
      tags,
      security,
      summary: 'The visitor is typing: operators watching see it (never stored; at most once a second)',
      params: conversationParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await deps.signals.typing(visitorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/v1/widget/conversations/:id/read', {
    config: asVisitor,
    preHandler: admitVisitor,
    schema: {
      tags,
      security,
      summary: "The visitor read the replies up to this message: operators see 'Seen'",
      params: conversationParams,
      body: markReadBody,
      response: { 200: readResultSchema },
    },
    handler: (request) => deps.signals.markRead(visitorOf(request), request.params.id, request.body),
  });

  registerWidgetImageRoutes(app, {
    service,
    admitVisitor,
    visitorOf,
    imageMaxBytes: deps.imageMaxBytes,
    perAddressPerMinute: deps.perMinute * 10,
  });
}
