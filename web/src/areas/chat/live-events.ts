import type { ConversationEvent } from '../../realtime/realtime-frames';
import type { StoredMessage } from './chat-api';
import { toChatMessage, type ChatMessage } from './chat-messages';
import { applyCompanionEvent, endTypingOf, settledReply } from './companion/companion-live-events';
import { bubbleMessageIds } from './companion/split-reply';

const isUnfinished = (status: StoredMessage['status'] | undefined) => status === 'streaming' || status === 'pending';

/**
 * Where the history stops: the highest seq of its settled messages (each message carries the seq of its
 * latest state). A reply still being written is left out, so the server replays it from its start
 * (and rebuilds it) rather than skipping it; later messages come as they changed.
 */
export function historySeq(messages: readonly StoredMessage[]): number {
  let seq = 0;
  for (const message of messages) if (!isUnfinished(message.status)) seq = Math.max(seq, message.seq);
  return seq;
}

/** The server ids a message on screen stands for: useChat gives a sent message an id of its own. */
function knownIds(messages: readonly ChatMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) {
    ids.add(message.id);
    if (message.metadata?.assistantMessageId) ids.add(message.metadata.assistantMessageId);
    if (message.metadata?.userMessageId) ids.add(message.metadata.userMessageId);
    for (const id of bubbleMessageIds(message)) ids.add(id);
  }
  return ids;
}

const messageIdOf = (event: ConversationEvent) => (typeof event.messageId === 'string' ? event.messageId : undefined);
const storedMessageOf = (value: unknown) =>
  typeof value === 'object' && value !== null && 'id' in value ? (value as StoredMessage) : undefined;

function appendDelta(message: ChatMessage, kind: 'text' | 'reasoning', delta: string): ChatMessage {
  const parts = [...message.parts];
  const last = parts.at(-1);
  if (last?.type === kind) parts[parts.length - 1] = { ...last, text: last.text + delta };
  else parts.push({ type: kind, text: delta, state: 'streaming' });
  return { ...message, parts };
}

/**
 * A conversation's messages after one of its events from the socket. The server says what happened
 * elsewhere (another tab, another node, an API call): a message appears, a reply streams in, then
 * the stored reply replaces what streamed. A message already on screen is never added twice, and a
 * settled one is never rewritten by a late delta; a reply shown half-written from history is rebuilt
 * from its replayed events.
 */
export function applyLiveEvent(messages: ChatMessage[], event: ConversationEvent): ChatMessage[] {
  const replace = (id: string, next: (message: ChatMessage) => ChatMessage) =>
    messages.map((message) =>
      message.id === id || message.metadata?.assistantMessageId === id ? next(message) : message,
    );
  const find = (id: string) =>
    messages.find((message) => message.id === id || message.metadata?.assistantMessageId === id);

  const companion = applyCompanionEvent(messages, event);
  if (companion) return companion;
  switch (event.type) {
    case 'message-created': {
      const stored = storedMessageOf(event.message);
      if (!stored || knownIds(messages).has(stored.id)) return messages;
      const shown = stored.replyGroup ? endTypingOf(messages, stored.replyGroup.id) : messages;
      return [...shown, toChatMessage(stored)];
    }
    case 'message-started': {
      const id = messageIdOf(event);
      if (!id) return messages;
      const existing = find(id);
      const started: ChatMessage = {
        id,
        role: 'assistant',
        parts: [],
        metadata: {
          conversationId: event.conversationId,
          assistantMessageId: id,
          status: 'streaming',
          isLive: true,
          model: typeof event.model === 'string' ? event.model : null,
        },
      };
      if (!existing) return knownIds(messages).has(id) ? messages : [...messages, started];
      // Half-written in the history: the replay starts it again from its first word.
      return isUnfinished(existing.metadata?.status) ? replace(id, () => started) : messages;
    }
    case 'text-delta':
    case 'reasoning-delta': {
      const id = messageIdOf(event);
      const existing = id ? find(id) : undefined;
      if (!id || !existing || existing.metadata?.status !== 'streaming' || typeof event.delta !== 'string') {
        return messages;
      }
      const delta = event.delta;
      return replace(id, (message) => appendDelta(message, event.type === 'text-delta' ? 'text' : 'reasoning', delta));
    }
    case 'finished':
    case 'error': {
      const stored = storedMessageOf(event.type === 'finished' ? event.message : event.reply);
      if (!stored) return messages;
      if (!knownIds(messages).has(stored.id)) return [...messages, toChatMessage(stored)];
      return replace(stored.id, (message) => settledReply(message, stored));
    }
    default:
      return messages;
  }
}

/** The reply this conversation's socket is streaming in, if any. */
export function liveReplyId(messages: readonly ChatMessage[]): string | undefined {
  const last = messages.at(-1);
  return last?.role === 'assistant' && last.metadata?.isLive && last.metadata.status === 'streaming'
    ? last.id
    : undefined;
}
