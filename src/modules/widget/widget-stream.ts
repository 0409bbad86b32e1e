import type { FastifyReply } from 'fastify';
import { openSseStream } from '../../platform/http/sse-writer.js';
import { newId } from '../../platform/ids.js';
import { presentMessage, type MessageView } from '../conversations/index.js';
import type { RealtimeConnection, RealtimeHub } from '../realtime/realtime-hub.js';
import type { EventRelay } from '../realtime/event-relay.js';
import type { ServerFrame } from '../realtime/realtime.schemas.js';
import type { Database } from '../../platform/db/client.js';
import type { CitationMode } from '../../platform/db/schema/support.js';
import type { Visitor } from './widget-sessions.js';
import type { WidgetRepository } from './widget.repository.js';
import { citedForContact } from '../inbox/desk/cited-for-contact.js';
import { imagesOf, widgetStatusOf, type WidgetMessageView } from './widget.schemas.js';
import type { WidgetService } from './widget.service.js';

export interface WidgetStreamDeps {
  readonly db: Database;
  readonly repository: WidgetRepository;
  readonly service: Pick<WidgetService, 'findOwn' | 'present'>;
  readonly hub: Pick<RealtimeHub, 'beginSubscription' | 'finishReplay' | 'remove'>;
  readonly relay: Pick<EventRelay, 'replyLog'>;
  readonly heartbeatMs: number;
  /** How often the stream looks for a change of status (a person joining): changes made on any node show. */
  readonly statusPollMs: number;
  /** The streams open on this node, ended when the server stops (a stream never ends on its own). */
  readonly openStreams: Set<{ end(): void }>;
}

/** A chat message as the widget shows it, an AI reply's citations as the inbox's `citations` says. */
function widgetViewOf(message: MessageView, citations: CitationMode): WidgetMessageView {
  const author =
    message.role === 'user' ? 'contact' : message.role === 'system' ? 'system' : message.model ? 'ai' : 'operator';
  return {
    id: message.id,
    author,
    authorName: message.author?.name ?? null,
    ...(author === 'ai'
      ? citedForContact(message.content, message.citations, citations)
      : { content: message.content, sources: [] }),
    images: imagesOf(message.attachments),
    readAt: message.readAt,
    status: widgetStatusOf(message),
    createdAt: message.createdAt,
  };
}

/**
 * The chat's realtime frames as the widget's events. A contact gets messages, the AI's reply as it is
 * written, an operator typing, and reads; nothing else: no tool calls, reasoning, sources or usage.
 */
function widgetEventOf(frame: ServerFrame, visitor: Visitor): { event: string; data: object } | undefined {
  switch (frame.type) {
    case 'typing':
      // The visitor's own typing comes back on the same channel: not news to them.
      return frame.userId === visitor.contactId ? undefined : { event: 'typing', data: { name: frame.name ?? null } };
    case 'read':
      // `others` read the owner's (the contact's) messages: an operator saw them; `owner` is the visitor's own read.
      return {
        event: 'read',
        data: {
          reader: frame.side === 'others' ? 'operator' : 'contact',
          readThroughMessageId: frame.readThroughMessageId,
          readAt: frame.readAt,
        },
      };
    case 'message-created':
      return {
        event: 'message',
        data: { message: widgetViewOf(frame.message as MessageView, visitor.inbox.citations) },
      };
    case 'finished':
      return {
        event: 'message',
        data: { message: widgetViewOf(frame.message as MessageView, visitor.inbox.citations) },
      };
    case 'error':
      return frame.reply
        ? { event: 'message', data: { message: widgetViewOf(frame.reply as MessageView, visitor.inbox.citations) } }
        : undefined;
    case 'message-started':
      return { event: 'reply-started', data: { messageId: frame.messageId } };
    case 'text-delta':
      return { event: 'delta', data: { messageId: frame.messageId, delta: frame.delta } };
    default:
      return undefined;
  }
}

/**
 * One support conversation, live, as Server-Sent Events: what was stored after `after` (a seq, or the
 * Last-Event-ID a reconnecting EventSource sends), then every message and reply delta as the realtime
 * relay carries it, from whichever node wrote it; and `status` when the conversation changes hands.
 */
export async function streamWidgetConversation(
  deps: WidgetStreamDeps,
  reply: FastifyReply,
  visitor: Visitor,
  target: { id: string; after: number },
): Promise<void> {
  const own = await deps.service.findOwn(visitor, target.id);
  const { chatConversationId } = own;
  const sse = openSseStream(reply, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    heartbeatMs: deps.heartbeatMs,
  });
  // On the server's stop: ended, and its socket closed too, which a hijacked response leaves to us.
  const stop = {
    end: () => {
      sse.end();
      reply.raw.socket?.destroy();
    },
  };
  deps.openStreams.add(stop);
  const send = (frame: ServerFrame) => {
    const translated = widgetEventOf(frame, visitor);
    if (!translated) return;
    const id = typeof frame.seq === 'number' && translated.event === 'message' ? String(frame.seq) : '';
    sse.sendWithId(id, JSON.stringify({ type: translated.event, ...translated.data }));
  };
  const watcher: RealtimeConnection = {
    id: newId(),
    actor: { tenantId: visitor.tenantId, userId: visitor.contactId, role: 'member', via: 'system' },
    credential: { userId: visitor.contactId },
    send,
    close: () => sse.end(),
  };
  // Watching before reading, so nothing falls between what is read and what arrives.
  deps.hub.beginSubscription(watcher, chatConversationId, target.after);
  const first = await deps.service.present(visitor, own.conversation, own.operatorName);
  let lastStatus = JSON.stringify(first);
  sse.sendWithId('', JSON.stringify({ type: 'status', conversation: first }));
  const poll = setInterval(() => {
    void (async () => {
      // The session ended (the inbox's signing secret was rotated): so does its stream; reconnecting
      // with the same token is a 401, and the page starts a session again.
      if (!(await deps.repository.hasSession(deps.db, visitor.tenantId, visitor.sessionId))) return sse.end();
      const found = await deps.service.findOwn(visitor, target.id);
      const view = await deps.service.present(visitor, found.conversation, found.operatorName);
      const next = JSON.stringify(view);
      if (next === lastStatus) return;
      lastStatus = next;
      sse.sendWithId('', JSON.stringify({ type: 'status', conversation: view }));
    })()
      // Deleted meanwhile: nothing more will happen in it.
      .catch(() => sse.end());
  }, deps.statusPollMs);
  poll.unref();
  sse.onClose(() => {
    deps.openStreams.delete(stop);
    clearInterval(poll);
    deps.hub.remove(watcher);
  });
  const stored = await deps.repository.listMessages(deps.db, visitor.tenantId, chatConversationId);
  const replay: ServerFrame[] = [];
  for (const row of stored) {
    const message = presentMessage(row);
    if (message.status === 'streaming') {
      replay.push(...(await deps.relay.replyLog(message.id)));
      continue;
    }
    const seq = message.seq;
    if (seq > target.after) replay.push({ type: 'message-created', conversationId: chatConversationId, seq, message });
  }
  deps.hub.finishReplay(watcher, chatConversationId, replay);
}
