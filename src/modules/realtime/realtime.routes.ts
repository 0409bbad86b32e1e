import type {} from '@fastify/websocket';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { replyParams } from '../chat/chat.schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import type { AuthService, Identified } from '../auth/index.js';
import { openConnection, type ConnectionDeps } from './realtime-connection.js';
import { parseSseId, streamReply, type ReplyStreamDeps } from './reply-stream.js';
import type { Admitted } from './realtime-handshake.js';
import type { RealtimeTickets } from './realtime-tickets.js';
import { ticketSchema } from './realtime.schemas.js';
import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface RealtimeRouteDeps {
  readonly admit: (request: FastifyRequest, ticket: string | undefined) => Promise<Admitted>;
  readonly auth: Pick<AuthService, 'identify'>;
  readonly tickets: RealtimeTickets;
  readonly connection: ConnectionDeps;
  readonly replyStream: ReplyStreamDeps;
}

const realtimeQuery = z.strictObject({
  ticket: z.string().max(200).optional(),
});

/**
 * Lets the upgrade's HTTP request go once the socket is open. @fastify/websocket leaves an `error`
 * listener on the socket that holds the Fastify request and reply (with its logger), and the TCP socket
 * keeps the HTTP response, and through it the request, it was assigned to: some 5 KB per idle socket
 * that lived as long as the socket, twice what `ws` itself keeps (BENCHMARKS.md). openConnection adds
 * the socket's own `error` listener.
 */
function releaseUpgradeRequest(socket: WebSocket, request: FastifyRequest): void {
  socket.removeAllListeners('error');
  const tcp = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
  tcp._httpMessage?.detachSocket(tcp);
}

export function registerRealtimeRoutes(app: App, deps: RealtimeRouteDeps): void {
  const admitted = new WeakMap<FastifyRequest, Identified>();

  const socketRoute = {
    method: 'GET',
    url: '/v1/realtime',
    // Its own authentication (ticket or header), checked before the upgrade: realtime-handshake.ts.
    config: {
      access: 'public',
      docs: {
        otherAnswers: {
          101: { description: 'Switching Protocols: the WebSocket of docs/realtime.md', mediaType: 'application/json' },
        },
      },
    },
    schema: {
      tags: ['realtime'],
      summary: 'Open the realtime WebSocket',
      description:
        'Upgrades to a WebSocket carrying live conversation events and the frames that act on them (docs/realtime.md). ' +
        'Authenticate with `?ticket=` from POST /v1/realtime/tickets (browsers) or an `Authorization` header (access ' +
        'token or API key). Refusals before the upgrade are problem+json: 401 without valid credentials, ' +
        '403 for an origin that is not allowed, 429 past the connections a user may hold on all servers; a plain GET answers 400.',
      querystring: realtimeQuery,
    },
    preHandler: async (request: FastifyRequest) => {
      const query = request.query as z.infer<typeof realtimeQuery>;
      const { identified, slot } = await deps.admit(request, query.ticket);
      // The TCP connection is the socket's after the upgrade: its end, or an upgrade that never happens,
      // gives the slot back.
      request.raw.socket.once('close', () => slot.release());
      admitted.set(request, identified);
    },
    handler: async () => {
      throw new AppError(
        'malformed_request',
        'This endpoint speaks WebSocket: connect with a WebSocket client (Upgrade: websocket)',
      );
    },
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const identified = admitted.get(request);
      if (!identified) return socket.close(1008, 'Not authenticated');
      releaseUpgradeRequest(socket, request);
      openConnection(socket, identified, deps.connection);
    },
  };
  // @fastify/websocket's `wsHandler` is not in the Zod-typed route options; the parts are typed above.
  app.route(socketRoute as unknown as Parameters<App['route']>[0]);

  app.post('/v1/realtime/tickets', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['realtime'],
      security: [{ bearer: [] }],
      summary: 'Get a single-use ticket for opening the realtime WebSocket',
      description:
        'For browsers and widgets, which cannot set headers on a WebSocket: connect to `/v1/realtime?ticket=…` within ' +
        'its life (30 s by default). It works once, and the socket then lives as long as the credential it was issued for.',
      response: { 201: ticketSchema },
    },
    handler: async (request, reply) => {
      actorOf(request);
      const identified = await deps.auth.identify(request.headers.authorization);
      if (!identified) throw new AppError('unauthenticated', 'Sign in or send an API key to use this endpoint');
      const issued = await deps.tickets.issue(identified);
      return reply.status(201).send({ ticket: issued.ticket, expiresAt: issued.expiresAt.toISOString() });
    },
  });

  app.get('/v1/conversations/:id/messages/:messageId/stream', {
    config: {
      access: 'authenticated',
      docs: {
        otherAnswers: {
          200: { description: 'the reply as Server-Sent Events (docs/realtime.md)', mediaType: 'text/event-stream' },
        },
      },
    },
    schema: {
      tags: ['conversations'],
      security: [{ bearer: [] }],
      summary: "Follow a reply's stream, or resume it",
      description:
        'Server-Sent Events of one reply, from any node: what it said so far, then the rest as it is written, ending ' +
        'with its `finished` or `error` event. Send `Last-Event-ID` (the `id` of the last event you got: `<seq>`, or ' +
        "`<seq>.<part>` inside the reply's stream) to resume right after it. A reply already stored answers its outcome at once. Events are the realtime frames (docs/realtime.md).",
      params: replyParams,
      headers: z.looseObject({
        'last-event-id': z
          .string()
          .regex(/^\d{1,16}(\.\d{1,9})?$/, 'must be the id of an event (`<seq>` or `<seq>.<part>`, digits)')
          .optional(),
      }),
    },
    handler: async (request, reply) => {
      await streamReply(deps.replyStream, reply, actorOf(request), {
        conversationId: request.params.id,
        messageId: request.params.messageId,
        after: parseSseId(request.headers['last-event-id']),
      });
    },
  });
}
