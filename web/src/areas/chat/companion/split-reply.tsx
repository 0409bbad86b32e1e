import type { ChatMessage } from '../chat-messages';
import { LazyMarkdown } from '../markdown/lazy-markdown';
import { TypingIndicator } from '../typing-indicator';

/**
 * A split reply streamed as one UI message (docs/companion.md): its text parts are its bubbles, a
 * `data-bubble` part before each after the first, and a `data-typing` part while the agent "types"
 * the next one. Undefined for a reply without bubbles, which renders as before.
 */
export function splitBubbles(message: ChatMessage): { texts: string[]; isTyping: boolean } | undefined {
  if (!message.parts.some((part) => part.type === 'data-bubble' || part.type === 'data-typing')) return undefined;
  const texts: string[] = [''];
  for (const part of message.parts) {
    if (part.type === 'data-bubble') texts.push('');
    else if (part.type === 'text') texts[texts.length - 1] += part.text;
  }
  return { texts: texts.filter((text) => text !== ''), isTyping: message.parts.at(-1)?.type === 'data-typing' };
}

/** The stored message ids of a streamed split reply's later bubbles (so the socket does not add them again). */
export function bubbleMessageIds(message: ChatMessage): string[] {
  return message.parts.flatMap((part) => (part.type === 'data-bubble' && typeof part.id === 'string' ? [part.id] : []));
}

/** Each bubble a reply of its own on screen, and the typing dots after the last while the next is on its way. */
export function SplitReplyBubbles(props: { texts: readonly string[]; isTyping: boolean; isStreaming: boolean }) {
  return (
    <>
      {props.texts.map((text, index) => (
        <article key={index} className="message message-assistant split-bubble" aria-label="Reply" aria-busy={false}>
          <LazyMarkdown text={text} />
        </article>
      ))}
      {props.isStreaming && props.isTyping && (
        <article className="message message-assistant" aria-label="Reply" aria-busy="true">
          <TypingIndicator />
        </article>
      )}
    </>
  );
}
