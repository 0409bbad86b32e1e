import type { ChatMessage } from '../chat-messages';

/** The index of the person's last message, under which "Seen" shows; -1 when there is none. */
export function lastUserIndex(messages: readonly ChatMessage[]): number {
  return messages.findLastIndex((message) => message.role === 'user');
}

/** "Seen", once the other side read the message (its `readAt`, from the history or a live `read` frame). */
export function SeenNote({ message }: { message: ChatMessage }) {
  const readAt = message.metadata?.readAt;
  if (!readAt) return null;
  return (
    <p className="seen-note muted">
      <time dateTime={readAt} title={new Date(readAt).toLocaleString()}>
        Seen
      </time>
    </p>
  );
}
