import type { FastifyReply } from 'fastify';
import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { openSseStream } from '../../platform/http/sse-writer.js';
import { presentMessage, type ConversationsService, type MessageView } from '../conversations/index.js';
import type { EventRelay } from './event-relay.js';
import { storedSeqOf } from './event-seq.js';
import type { RealtimeConnection, RealtimeHub } from './realtime-hub.js';
import type { RealtimeRepository } from './realtime.repository.js';
import type { ServerFrame } from './realtime.schemas.js';

export interface ReplyStreamDeps {
  readonly db: Database;
  readonly repository: RealtimeRepository;
  readonly hub: RealtimeHub;
  readonly relay: EventRelay;
  readonly conversations: Pick<ConversationsService, 'get'>;
  readonly heartbeatMs: number;
}

const isFinal = (frame: ServerFrame): boolean => frame.type === 'finished' || frame.type === 'error';

/** A later bubble of the split reply being streamed: a message of its own, part of this reply. */
const isBubbleOf = (frame: ServerFrame, messageId: string): boolean =>
  frame.type === 'message-created' && (frame.message as MessageView | undefined)?.replyGroup?.id === messageId;

/**
 * One reply as Server-Sent Events, joinable from any node while it is written: what it said so far
 * (after `Last-Event-ID`, which is the seq of the last event the client got), then the rest live, to
 * its end; a reply already stored answers its outcome at once. The events are the socket's frames.
 */
export async function streamReply(
  deps: ReplyStreamDeps,
  reply: FastifyReply,
  actor: Actor,
  target: { conversationId: string; messageId: string; after: number },
): Promise<void> {
  const { conversationId, messageId, after } = target;
  await deps.conversations.get(actor, conversationId);
  const found = await deps.repository.findMessage(deps.db, actor.tenantId, messageId);
  if (!found || found.conversationId !== conversationId || found.role !== 'assistant') {
    throw notFound('Message', messageId);
  }
  const sse = openSseStream(reply, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    heartbeatMs: deps.heartbeatMs,
  });
  const write = (frame: ServerFrame) => {
    if (frame.messageId !== messageId && !isBubbleOf(frame, messageId)) return;
    sse.sendWithId(typeof frame.seq === 'number' ? String(frame.seq) : '', JSON.stringify(frame));
    if (isFinal(frame)) sse.end();
  };
  // Watching before reading, so nothing falls between what is read and what arrives.
  const watcher: RealtimeConnection = {
    id: newId(),
    actor,
    credential: { userId: actor.userId },
    send: write,
    close: () => sse.end(),
  };
  deps.hub.beginSubscription(watcher, conversationId, after);
  sse.onClose(() => deps.hub.remove(watcher));
  const latest = await deps.repository.findMessage(deps.db, actor.tenantId, messageId);
  if (!latest || latest.status !== 'streaming') {
    const message = latest ? presentMessage(latest) : presentMessage(found);
    const seq = storedSeqOf(message);
    const outcome: ServerFrame =
      message.status === 'error'
        ? {
            type: 'error',
            conversationId,
            seq,
            messageId,
            code: message.error?.code ?? 'internal',
            message: message.error?.message ?? '',
            reply: message,
          }
        : { type: 'finished', conversationId, seq, messageId, message, usage: message.usage };
    deps.hub.finishReplay(watcher, conversationId, [outcome]);
    // A client that already had the outcome (Last-Event-ID at or past it) gets nothing more.
    sse.end();
    return;
  }
  deps.hub.finishReplay(watcher, conversationId, await deps.relay.replyLog(messageId));
}
