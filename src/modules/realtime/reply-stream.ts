import type { FastifyReply } from 'fastify';
import type { Actor } from '../../access/actor.js';
import { frameJsonOf } from './frame-json.js';
import type { Database } from '../../platform/db/client.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { openSseStream } from '../../platform/http/sse-writer.js';
import { presentMessage, type ConversationsService, type MessageView } from '../conversations/index.js';
import { replyOutcomeFrame } from './conversation-log.js';
import type { EventRelay } from './event-relay.js';
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
  /** This node's followers, which a stopping node ends at once (realtime/index.ts). */
  readonly followers: Set<RealtimeConnection>;
}

const isFinal = (frame: ServerFrame): boolean => frame.type === 'finished' || frame.type === 'error';

/** A later bubble of the split reply being streamed: a message of its own, part of this reply. */
const isBubbleOf = (frame: ServerFrame, messageId: string): boolean =>
  frame.type === 'message-created' && (frame.message as MessageView | undefined)?.replyGroup?.id === messageId;

/** Where a client's copy of a reply ends: the SSE id of the last event it got (`<seq>` or `<seq>.<part>`). */
export interface ReplyStreamPosition {
  readonly seq: number;
  /** The part of the reply's stream at `seq`, for an event of its stream (`message-started` is 0). */
  readonly part?: number;
}

/** An event's SSE id: its seq, and its part when it is one of the reply's stream (docs/realtime.md). */
export const sseIdOf = (frame: ServerFrame): string =>
  typeof frame.seq !== 'number'
    ? ''
    : typeof frame.part === 'number'
      ? `${frame.seq}.${frame.part}`
      : String(frame.seq);

/** The position an SSE id names; the route's schema has checked its shape (digits, then `.digits`). */
export function parseSseId(id: string | undefined): ReplyStreamPosition {
  if (!id) return { seq: 0 };
  const [seq, part] = id.split('.');
  return part === undefined ? { seq: Number(seq) } : { seq: Number(seq), part: Number(part) };
}

/**
 * One reply as Server-Sent Events, joinable from any node while it is written: what it said so far
 * after `Last-Event-ID` (the id of the last event the client got, `<seq>.<part>` inside the reply's
 * stream), then the rest live, to its end, each event once; a reply already stored answers its outcome
 * at once. The events are the socket's frames.
 */
export async function streamReply(
  deps: ReplyStreamDeps,
  reply: FastifyReply,
  actor: Actor,
  target: { conversationId: string; messageId: string; after: ReplyStreamPosition },
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
    sse.sendWithId(sseIdOf(frame), frameJsonOf(frame));
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
  const partsHad = after.part === undefined ? undefined : { messageId, part: after.part };
  deps.hub.beginSubscription(watcher, conversationId, after.seq, partsHad);
  deps.followers.add(watcher);
  sse.onClose(() => {
    deps.followers.delete(watcher);
    deps.hub.remove(watcher);
  });
  const latest = await deps.repository.findMessage(deps.db, actor.tenantId, messageId);
  if (!latest || latest.status !== 'streaming') {
    const message = latest ? presentMessage(latest) : presentMessage(found);
    const outcome = replyOutcomeFrame(conversationId, message.seq, message);
    deps.hub.finishReplay(watcher, conversationId, [outcome]);
    // A client that already had the outcome (Last-Event-ID at or past it) gets nothing more.
    sse.end();
    return;
  }
  // This stream's frames and its bubbles' (an earlier stream of a reply continued after an approval is older).
  const frames = (await deps.relay.replyLog(messageId)).filter((frame) => Number(frame.seq) >= latest.seq);
  deps.hub.finishReplay(watcher, conversationId, frames);
}
