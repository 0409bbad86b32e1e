import type { ConversationEvent } from '../../../realtime/realtime-frames';
import type { StoredMessage } from '../chat-api';
import { toChatMessage, type ChatMessage } from '../chat-messages';
import { bubbleMessageIds } from './split-reply';

/** The server's id of a message on screen: useChat gives a sent message an id of its own. */
const serverIdOf = (message: ChatMessage): string =>
  (message.role === 'user' ? message.metadata?.userMessageId : message.metadata?.assistantMessageId) ?? message.id;

/**
 * The companion events of a conversation's socket (docs/companion.md): a `read` by the other side marks
 * the person's messages up to it "seen"; a split reply's `bubble-typing` shows the agent typing after
 * the bubbles so far, until the next bubble (a `message-created` of its group) arrives. Undefined for
 * other events.
 */
export function applyCompanionEvent(messages: ChatMessage[], event: ConversationEvent): ChatMessage[] | undefined {
  switch (event.type) {
    case 'read': {
      const through = event.readThroughMessageId;
      if (event.side !== 'others' || typeof through !== 'string' || typeof event.readAt !== 'string') return messages;
      const readAt = event.readAt;
      return messages.map((message) =>
        message.role === 'user' && !message.metadata?.readAt && serverIdOf(message) <= through
          ? { ...message, metadata: { ...message.metadata, readAt } }
          : message,
      );
    }
    case 'bubble-typing': {
      const id = event.messageId;
      return messages.map((message) =>
        message.id === id || message.metadata?.assistantMessageId === id
          ? { ...message, parts: [...message.parts, { type: 'data-typing', data: { position: event.position } }] }
          : message,
      );
    }
    default:
      return undefined;
  }
}

/** A split reply's bubble arrived: its head stops showing the agent typing. */
export function endTypingOf(messages: ChatMessage[], headId: string): ChatMessage[] {
  return messages.map((message) =>
    (message.id === headId || message.metadata?.assistantMessageId === headId) &&
    message.parts.some((part) => part.type === 'data-typing')
      ? { ...message, parts: message.parts.filter((part) => part.type !== 'data-typing') }
      : message,
  );
}

/**
 * A reply on screen, settled by its stored row. A split reply this tab streamed keeps its bubbles (the
 * stored row is only the first of them) and takes the row's figures; any other takes the row whole.
 */
export function settledReply(shown: ChatMessage, stored: StoredMessage): ChatMessage {
  const settled = { ...toChatMessage(stored), id: shown.id };
  if (bubbleMessageIds(shown).length === 0) return settled;
  return {
    ...shown,
    parts: shown.parts.filter((part) => part.type !== 'data-typing'),
    metadata: { ...shown.metadata, ...settled.metadata },
  };
}
