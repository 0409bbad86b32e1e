import { memo, useMemo, useState } from 'react';
import { CitationContext, type CitationOpener } from './citation-context';
import {
  describeReplyFigures,
  messageCitations,
  messageReasoning,
  messageText,
  type ChatMessage,
} from './chat-messages';
import { LazyMarkdown } from './markdown/lazy-markdown';
import { AttachmentChips, MessageCitations } from './message-citations';
import { ToolCallView } from './tool-call-view';
import { messageSegments } from './tool-parts';
import { TypingIndicator } from './typing-indicator';
import { ProactiveMarker } from './proactive-marker';
import { StoppedMarker } from '../../ui/stopped-marker';
import { splitBubbles, SplitReplyBubbles } from './companion/split-reply';

/** Shown under a reply: why it failed (an alert) or what state it is in (a note), and what can be done. */
export interface ReplyProblem {
  sentence: string;
  action?: { label: string; run: () => void };
  /** A note rather than an error: e.g. a reply another tab or an earlier visit is still waiting for. */
  isNote?: boolean;
}

/**
 * One message. The person's own text is shown as written; a reply is markdown, with its reasoning
 * folded away above it, the tools it called inline where it called them, and a line of figures
 * (model, tokens, time to first token) below.
 */
export const MessageItem = memo(function MessageItem(props: {
  message: ChatMessage;
  isStreaming: boolean;
  isStopped: boolean;
  problem: ReplyProblem | undefined;
}) {
  const { message, isStreaming, problem } = props;
  const text = messageText(message);
  const [openMarker, setOpenMarker] = useState<number | null>(null);
  // Shown once the reply is written: while it streams, which passages it cites is not known yet.
  const citations = useMemo(() => (isStreaming ? [] : messageCitations(message)), [isStreaming, message]);
  const markers = useMemo(() => citations.map((citation) => citation.marker), [citations]);
  const opener = useMemo<CitationOpener>(() => ({ open: (marker) => setOpenMarker(marker), openMarker }), [openMarker]);
  if (message.role === 'user') {
    const attachments = message.metadata?.attachments ?? [];
    return (
      <article className="message message-user" aria-label="You said">
        <p className="user-text">{text}</p>
        {attachments.length > 0 && <AttachmentChips attachments={attachments} />}
      </article>
    );
  }

  const bubbles = splitBubbles(message);
  if (bubbles) return <SplitReplyBubbles texts={bubbles.texts} isTyping={bubbles.isTyping} isStreaming={isStreaming} />;
  const reasoning = messageReasoning(message);
  const segments = messageSegments(message);
  const figures = describeReplyFigures(message.metadata);
  if (props.isStopped)
    figures.push('stopped here; the server still stores the whole reply, shown when you reopen this chat');
  // Dots until text arrives, and again while the model works on a tool's result.
  const isWaiting = isStreaming && segments.at(-1)?.kind !== 'text';
  return (
    <article className="message message-assistant" aria-label="Reply" aria-busy={isStreaming}>
      {reasoning && (
        <details className="reasoning">
          <summary>Reasoning{isStreaming && !text ? '…' : ''}</summary>
          <LazyMarkdown text={reasoning} />
        </details>
      )}
      {segments.length > 0 && (
        <CitationContext.Provider value={opener}>
          {segments.map((segment) =>
            segment.kind === 'text' ? (
              <LazyMarkdown key={segment.key} text={segment.text} citationMarkers={markers} />
            ) : (
              <ToolCallView key={segment.part.toolCallId} part={segment.part} isStreaming={isStreaming} />
            ),
          )}
        </CitationContext.Provider>
      )}
      {citations.length > 0 && (
        <MessageCitations
          citations={citations}
          openMarker={openMarker}
          onToggle={(marker) => setOpenMarker((current) => (current === marker ? null : marker))}
        />
      )}
      {isWaiting && <TypingIndicator />}
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
      {message.metadata?.proactive && <ProactiveMarker />}
      {message.metadata?.status === 'stopped' && <StoppedMarker />}
      {figures.length > 0 && !isStreaming && <p className="message-meta">{figures.join(' · ')}</p>}
    </article>
  );
});
