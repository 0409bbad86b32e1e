import { memo } from 'react';
import { describeReplyFigures, messageReasoning, messageText, type ChatMessage } from './chat-messages';
import { LazyMarkdown } from './markdown/lazy-markdown';

/** Shown under a reply: why it failed (an alert) or what state it is in (a note), and what can be done. */
export interface ReplyProblem {
  sentence: string;
  action?: { label: string; run: () => void };
  /** A note rather than an error: e.g. a reply another tab or an earlier visit is still waiting for. */
  isNote?: boolean;
}

/**
 * One message. The person's own text is shown as written; a reply is markdown, with its reasoning
 * folded away above it and a line of figures (model, tokens, time to first token) below.
 */
export const MessageItem = memo(function MessageItem(props: {
  message: ChatMessage;
  isStreaming: boolean;
  isStopped: boolean;
  problem: ReplyProblem | undefined;
}) {
  const { message, isStreaming, problem } = props;
  const text = messageText(message);
  if (message.role === 'user') {
    return (
      <article className="message message-user" aria-label="You said">
        <p className="user-text">{text}</p>
      </article>
    );
  }

  const reasoning = messageReasoning(message);
  const figures = describeReplyFigures(message.metadata);
  if (props.isStopped)
    figures.push('stopped here; the server still stores the whole reply, shown when you reopen this chat');
  const isWaiting = isStreaming && !text;
  return (
    <article className="message message-assistant" aria-label="Reply" aria-busy={isStreaming}>
      {reasoning && (
        <details className="reasoning">
          <summary>Reasoning{isStreaming && !text ? '…' : ''}</summary>
          <LazyMarkdown text={reasoning} />
        </details>
      )}
      {text && <LazyMarkdown text={text} />}
      {isWaiting && (
        <p className="typing muted" aria-label="Writing a reply">
          <span aria-hidden="true">●●●</span>
        </p>
      )}
      {problem?.isNote && (
        <p className="reply-note muted">
          {problem.sentence}{' '}
          {problem.action && (
            <button type="button" className="link" onClick={problem.action.run}>
              {problem.action.label}
            </button>
          )}
        </p>
      )}
      {problem && !problem.isNote && (
        <div className="error-notice" role="alert">
          <span>{problem.sentence}</span>
          {problem.action && (
            <button type="button" onClick={problem.action.run}>
              {problem.action.label}
            </button>
          )}
        </div>
      )}
      {figures.length > 0 && !isStreaming && <p className="message-meta">{figures.join(' · ')}</p>}
    </article>
  );
});
