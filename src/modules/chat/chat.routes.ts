import type { FastifyRequest } from 'fastify';
import { idempotencyKeyHeaders, idParams } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { messageSchema } from '../conversations/messages.schemas.js';
import {
  replyParams,
  sendMessageBody,
  sendMessageResultSchema,
  toolApprovalBody,
  type SendMessageInput,
} from './chat.schemas.js';
import type { ChatService } from './chat.service.js';
import { streamTurnAsUiMessages } from './transports/ui-message-stream.js';

export interface ChatRouteOptions {
  readonly heartbeatMs: number;
}

/** The other form of a turn's answer, for the published document. */
const streamedReplyDocs = {
  otherAnswers: {
    200: {
      description: 'with `Accept: text/event-stream`, the reply as an AI SDK UI message stream (what `useChat` reads)',
      mediaType: 'text/event-stream',
    },
  },
} as const;

const wantsEventStream = (request: FastifyRequest): boolean =>
  /\btext\/event-stream\b/i.test(request.headers.accept ?? '');

/**
 * A message sent in useChat's form streams unless the client asks for JSON by name: `useChat`'s
 * transport posts with fetch's default `Accept: *\/*` and reads the answer as a UI message stream.
 */
const wantsReplyStream = (request: FastifyRequest, input: SendMessageInput): boolean =>
  wantsEventStream(request) ||
  (input.isUseChatRequest === true && !/\bapplication\/(problem\+)?json\b/i.test(request.headers.accept ?? ''));

export function registerChatRoutes(app: App, service: ChatService, options: ChatRouteOptions): void {
  app.post('/v1/conversations/:id/messages', {
    // The turn's statement confirms the sender's sign-in itself: one round trip before the model (issue 63).
    config: { access: 'authenticated', confirmsSignIn: true, docs: streamedReplyDocs },
    schema: {
      tags: ['conversations'],
      security: [{ bearer: [] }],
      summary: 'Send a message and get the reply',
      description:
        'Stores the message, then the agent replies. JSON by default (201 once the reply is stored); with ' +
        '`Accept: text/event-stream`, or for the body `useChat` sends (`messages`) unless `Accept` names JSON, ' +
        'the reply streams as an AI SDK UI message stream (what `useChat` reads), which ends with a `finish` part ' +
        'and `[DONE]`; one that ends without them was cut: resume it with `…/messages/{messageId}/stream` and the ' +
        'last event id as `Last-Event-ID` (docs/chat.md). ' +
        'A model failure is a problem response that still names the stored user message. Send an ' +
        '`Idempotency-Key` to make a retry return the first result instead of asking the model again.',
      params: idParams,
      headers: idempotencyKeyHeaders,
      body: sendMessageBody,
      response: { 201: sendMessageResultSchema },
    },
    handler: async (request, reply) => {
      const turn = await service.sendMessage(
        actorOf(request),
        request.params.id,
        request.body,
        request.headers['idempotency-key'],
        request.signInToConfirm,
      );
      if (wantsReplyStream(request, request.body)) return streamTurnAsUiMessages(reply, turn, options.heartbeatMs);
      if (turn.isReplay) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(await service.awaitReply(turn));
    },
  });

  app.post('/v1/conversations/:id/messages/:messageId/retry', {
    config: { access: 'authenticated', docs: streamedReplyDocs },
    schema: {
      tags: ['conversations'],
      security: [{ bearer: [] }],
      summary: 'Ask again for a reply that failed',
      description:
        "Runs the turn again for the conversation's latest reply when it ended in an error, answering the " +
        'message before it; nothing new is stored for the user. The failed reply is written anew under the ' +
        'same id. JSON by default (200 once the reply is stored), or with `Accept: text/event-stream` the ' +
        'same UI message stream as sending. 409 when the message is not the latest failed reply.',
      params: replyParams,
      response: { 200: sendMessageResultSchema },
    },
    handler: async (request, reply) => {
      const turn = await service.retryReply(actorOf(request), request.params.id, request.params.messageId);
      if (wantsEventStream(request)) return streamTurnAsUiMessages(reply, turn, options.heartbeatMs);
      return reply.status(200).send(await service.awaitReply(turn));
    },
  });

  app.post('/v1/conversations/:id/messages/:messageId/tool-approvals', {
    config: { access: 'authenticated', docs: streamedReplyDocs },
    schema: {
      tags: ['conversations'],
      security: [{ bearer: [] }],
      summary: 'Approve or deny a tool call the reply waits for',
      description:
        "For a reply with status `awaiting_approval`: records the decision on one of its tool calls (the conversation's " +
        "owner alone: an approved call runs the tool in the owner's name; 403 for anyone else). When no call waits any " +
        'more, the same reply continues: approved calls run, ' +
        'the model is told of denied ones, and the reply is written to its end. JSON by default (200 once stored), or ' +
        'with `Accept: text/event-stream` the same UI message stream as sending. 409 when the call was already decided.',
      params: replyParams,
      body: toolApprovalBody,
      response: { 200: sendMessageResultSchema },
    },
    handler: async (request, reply) => {
      const { id, messageId } = request.params;
      const turn = await service.decideToolCall(actorOf(request), id, messageId, request.body);
      if (wantsEventStream(request)) return streamTurnAsUiMessages(reply, turn, options.heartbeatMs);
      return reply.status(200).send(await service.awaitReply(turn));
    },
  });

  app.post('/v1/conversations/:id/messages/:messageId/stop', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['conversations'],
      security: [{ bearer: [] }],
      summary: 'Stop a reply while it is being written',
      description:
        "Ends the model's call for a reply whose status is `streaming`, on whichever node writes it. What was " +
        'written until then is kept as the reply: status `complete`, finish reason `stopped`; clients reading ' +
        "its stream get its end as usual. The conversation's owner only. 200 with the stored reply; 202 with the " +
        'reply as it is when it was not stored within a few seconds (its node is busy or gone: read it again ' +
        'later). 409 when the message is not a reply still being written.',
      params: replyParams,
      response: { 200: messageSchema, 202: messageSchema },
    },
    handler: async (request, reply) => {
      const { id, messageId } = request.params;
      const stopped = await service.stopReply(actorOf(request), id, messageId);
      return reply.status(stopped.isStored ? 200 : 202).send(stopped.message);
    },
  });
}
