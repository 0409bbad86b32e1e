import { Fragment, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { useOnVisible } from '../../ui/use-on-visible';
import { historyPageSize, messagesPath, type MessageHistory } from './chat-api';
import { toChatMessage, type ChatMessage } from './chat-messages';
import { MessageItem, type ReplyProblem } from './message-item';
import { TypingIndicator } from './typing-indicator';
import { lastUserIndex, SeenNote } from './companion/seen-note';

/** How close to the bottom (px) still counts as "reading the latest", so new text keeps it in view. */
const stickToBottomPx = 80;

/**
 * The scrolling history of a conversation. It follows a streaming reply while the person is at the
 * bottom, and loads older messages when they scroll to the top, keeping their place.
 */
export function MessageList(props: {
  conversationId: string;
  messages: ChatMessage[];
  prependMessages: (older: ChatMessage[]) => void;
  initialOlderCursor: string | null;
  streamingId: string | undefined;
  stoppedId: string | null;
  problemFor: (message: ChatMessage, index: number) => ReplyProblem | undefined;
  isBusy: boolean;
  /** Sent, and no reply has started yet. */
  isAwaitingReply: boolean;
  /** Set by the session when the person sends, so their message and the reply come into view. */
  followRef: { current: boolean };
  empty: ReactNode;
}) {
  const { api } = useServices();
  const scroller = useRef<HTMLDivElement>(null);
  const column = useRef<HTMLDivElement>(null);
  const heightBeforePrepend = useRef<number | null>(null);
  const [olderCursor, setOlderCursor] = useState(props.initialOlderCursor);
  const [isLoadingOlder, setIsLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  const { followRef } = props;
  const lastUser = lastUserIndex(props.messages);

  async function loadOlder() {
    if (!olderCursor || isLoadingOlder) return;
    setIsLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await api.get<MessageHistory>(
        `${messagesPath(props.conversationId)}?limit=${historyPageSize}&before=${encodeURIComponent(olderCursor)}`,
      );
      heightBeforePrepend.current = scroller.current?.scrollHeight ?? null;
      props.prependMessages(page.items.map(toChatMessage));
      setOlderCursor(page.olderCursor);
    } catch (error) {
      setOlderError(error);
    } finally {
      setIsLoadingOlder(false);
    }
  }

  const sentinel = useOnVisible<HTMLDivElement>(() => void loadOlder(), {
    root: scroller,
    isEnabled: olderCursor !== null && olderError === null,
    resetKey: props.messages.length,
  });

  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node) return;
    if (heightBeforePrepend.current !== null) {
      node.scrollTop += node.scrollHeight - heightBeforePrepend.current;
      heightBeforePrepend.current = null;
    } else if (followRef.current) {
      node.scrollTop = node.scrollHeight;
    }
  }, [props.messages, followRef]);

  // Content also grows without new messages (markdown arriving from its chunk, an image loaded on request):
  // whoever is reading at the bottom stays there.
  useEffect(() => {
    const node = scroller.current;
    if (!node || !column.current || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (followRef.current) node.scrollTop = node.scrollHeight;
    });
    observer.observe(column.current);
    return () => observer.disconnect();
  }, [followRef]);

  function onScroll() {
    const node = scroller.current;
    if (!node) return;
    followRef.current = node.scrollHeight - node.scrollTop - node.clientHeight < stickToBottomPx;
  }

  return (
    <div
      className="message-scroll"
      ref={scroller}
      onScroll={onScroll}
      role="log"
      aria-label="Chat history"
      aria-busy={props.isBusy}
      tabIndex={0}
    >
      <div className="message-column" ref={column}>
        {olderCursor !== null && (
          <div className="load-older" ref={sentinel}>
            {olderError !== null ? (
              <ErrorNotice error={olderError} onRetry={() => void loadOlder()} />
            ) : (
              <button type="button" onClick={() => void loadOlder()} disabled={isLoadingOlder}>
                {isLoadingOlder ? 'Loading earlier messages…' : 'Load earlier messages'}
              </button>
            )}
          </div>
        )}
        {props.messages.length === 0 && <div className="chat-empty">{props.empty}</div>}
        {props.messages.map((message, index) => (
          <Fragment key={message.id}>
            <MessageItem
              message={message}
              isStreaming={message.id === props.streamingId}
              isStopped={message.id === props.stoppedId}
              problem={props.problemFor(message, index)}
            />
            {index === lastUser && <SeenNote message={message} />}
          </Fragment>
        ))}
        {props.isAwaitingReply && (
          <article className="message message-assistant" aria-label="Reply" aria-busy="true">
            <TypingIndicator />
          </article>
        )}
      </div>
    </div>
  );
}
