import { useChat } from '@ai-sdk/react';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { chatKeys, type Attachment, type Conversation, type MessageHistory } from './chat-api';
import { describeChatFailure, toChatMessage, type ChatMessage } from './chat-messages';
import { createChatTransport, type ToolApprovalDecision } from './chat-transport';
import { Composer } from './composer';
import type { ReplyProblem } from './message-item';
import { MessageList } from './message-list';
import { ToolApprovalContext, type ToolApprovalHandler } from './tool-approval-context';
import type { ToolPart } from './tool-parts';
import { liveReplyId } from './live-events';
import { useAttachments } from './use-attachments';
import { useMarkRead } from './companion/use-mark-read';
import { useLiveConversation, useTypingSignal, type Typist } from './use-live-conversation';

/** What the last request was, so a refusal (nothing stored) can put things back as they were. */
type LastRequest =
  { kind: 'send'; text: string; attachments: Attachment[] } | { kind: 'retry' | 'approval'; before: ChatMessage[] };

/**
 * One open conversation: its history, then useChat streaming new replies from the server, which
 * owns the history (each send carries only the new message). Mounted afresh per conversation.
 */
export function ChatSession(props: {
  conversation: Conversation;
  history: MessageHistory;
  canSend: boolean;
  readOnlyNotice: ReactNode;
  empty: ReactNode;
  onReload: () => void;
}) {
  const conversationId = props.conversation.id;
  const { authedFetch } = useServices();
  const transport = useMemo(() => createChatTransport(conversationId, authedFetch), [conversationId, authedFetch]);
  const [initialMessages] = useState(() => props.history.items.map(toChatMessage));
  const [draft, setDraft] = useState('');
  const attachments = useAttachments();
  const [refusal, setRefusal] = useState<string | null>(null);
  const [stoppedId, setStoppedId] = useState<string | null>(null);
  const lastRequest = useRef<LastRequest | null>(null);
  const lastError = useRef<Error | null>(null);
  const followRef = useRef(true);
  const refreshAfterTurn = useRefreshAfterTurn(conversationId);

  const chat = useChat<ChatMessage>({
    id: conversationId,
    messages: initialMessages,
    transport,
    onError: (error) => {
      lastError.current = error;
    },
    onFinish: ({ message, isAbort, isError }) => {
      refreshAfterTurn();
      if (isAbort) setStoppedId(message.id);
      if (!isError || !lastError.current) return;
      const failure = describeChatFailure(lastError.current);
      const request = lastRequest.current;
      if (request?.kind === 'approval' && failure.kind !== 'reply') {
        // The decision was refused (e.g. already taken in another tab) or never arrived: ask again.
        chat.setMessages(request.before);
        chat.clearError();
        setRefusal(
          failure.kind === 'connection'
            ? 'The server could not be reached; reload the conversation to see whether your decision arrived'
            : failure.sentence,
        );
        return;
      }
      const hasStarted = message.metadata?.assistantMessageId !== undefined;
      if (hasStarted) {
        // The reply failed mid-way and is stored as failed: mark it like a failed reply from history.
        if (failure.kind === 'connection') return;
        chat.setMessages((messages) =>
          messages.map((each) =>
            each.id === message.id
              ? {
                  ...each,
                  metadata: { ...each.metadata, status: 'error', error: { code: 'error', message: failure.sentence } },
                }
              : each,
          ),
        );
        chat.clearError();
        return;
      }
      // Refused before anything streamed, so nothing new was stored: undo what the screen assumed.
      if (request?.kind === 'send') {
        chat.setMessages((messages) => (messages.at(-1)?.role === 'user' ? messages.slice(0, -1) : messages));
        setDraft((current) => current || request.text);
        attachments.restore(request.attachments);
      } else if (request?.kind === 'retry') {
        chat.setMessages(request.before);
      }
      chat.clearError();
      setRefusal(
        failure.kind === 'connection'
          ? 'The server could not be reached; check your connection and try again'
          : failure.sentence,
      );
    },
  });

  // Leaving the conversation stops reading its stream; the server finishes and stores the reply anyway.
  const { stop } = chat;
  useEffect(() => () => void stop(), [stop]);

  const isBusy = chat.status === 'submitted' || chat.status === 'streaming';
  const last = chat.messages.at(-1);
  const typists = useLiveConversation({
    conversationId,
    history: props.history,
    setMessages: chat.setMessages,
    isBusy,
  });
  const signalTyping = useTypingSignal(conversationId);
  useMarkRead(conversationId, isBusy ? [] : chat.messages, props.canSend);
  // This tab's own reply streams through useChat; one written elsewhere (or before a reload) through the socket.
  const streamingId = isBusy ? (last?.role === 'assistant' ? last.id : undefined) : liveReplyId(chat.messages);

  function send(text: string) {
    setRefusal(null);
    setStoppedId(null);
    setDraft('');
    const files = attachments.ready;
    attachments.clear();
    followRef.current = true;
    lastRequest.current = { kind: 'send', text, attachments: files };
    // The transport sends the attachments' ids as `fileIds`; the message shows them as chips meanwhile.
    void chat.sendMessage({ text, metadata: files.length > 0 ? { attachments: files } : undefined });
  }

  /**
   * Asks the server to stop the reply: its model call ends, what was written is kept, and the stream
   * ends on its own with exactly that. Before the reply has an id, or if the server cannot stop it in
   * time, the console only stops reading (the server then writes the reply to its end).
   */
  function stopReply() {
    const replyId = chat.messages.at(-1)?.metadata?.assistantMessageId;
    const stopReading = () => void chat.stop();
    if (!replyId) return stopReading();
    authedFetch(`/v1/conversations/${conversationId}/messages/${replyId}/stop`, { method: 'POST' }).then(
      (response) => response.status !== 200 && stopReading(),
      stopReading,
    );
  }

  function retry(messageId: string) {
    setRefusal(null);
    setStoppedId(null);
    followRef.current = true;
    lastRequest.current = { kind: 'retry', before: chat.messages };
    void chat.regenerate({ messageId });
  }

  /**
   * Answers a tool call waiting for approval: the part shows the decision at once, then the server
   * runs (or skips) the tool and streams the rest of the same reply into it.
   */
  async function decide(part: ToolPart, isApproved: boolean) {
    const message = chat.messages.find((each) =>
      each.parts.some((p) => 'toolCallId' in p && p.toolCallId === part.toolCallId),
    );
    if (!message) return;
    setRefusal(null);
    setStoppedId(null);
    followRef.current = true;
    lastRequest.current = { kind: 'approval', before: chat.messages };
    await chat.addToolApprovalResponse({ id: part.approval?.id ?? part.toolCallId, approved: isApproved });
    const toolApproval = {
      messageId: message.metadata?.assistantMessageId ?? message.id,
      toolCallId: part.toolCallId,
      approved: isApproved,
    };
    await chat.sendMessage(undefined, { body: { toolApproval } satisfies ToolApprovalDecision });
  }
  // Read through a ref so the context value (and every memoised message) stays put while a reply streams.
  const decideRef = useRef(decide);
  decideRef.current = decide;
  const toolApproval = useMemo<ToolApprovalHandler>(
    () => ({
      canDecide: props.canSend,
      isBusy,
      decide: (part, isApproved) => void decideRef.current(part, isApproved),
    }),
    [props.canSend, isBusy],
  );

  function problemFor(message: ChatMessage, index: number): ReplyProblem | undefined {
    if (message.role !== 'assistant') return undefined;
    const isLast = index === chat.messages.length - 1;
    if (isLast && chat.status === 'error' && chat.error) {
      return {
        sentence: describeChatFailure(chat.error).sentence,
        action: { label: 'Reload conversation', run: props.onReload },
      };
    }
    const metadata = message.metadata ?? {};
    const status = metadata.status;
    if ((status === 'streaming' || status === 'pending') && message.id !== streamingId) {
      return {
        sentence: 'This reply was still being written when the chat was opened.',
        action: { label: 'Reload conversation', run: props.onReload },
        isNote: true,
      };
    }
    if (status !== 'error') return undefined;
    const canRetry = isLast && !isBusy && props.canSend;
    const failedId = metadata.assistantMessageId ?? message.id;
    return {
      sentence: metadata.error?.message || 'The reply failed',
      action: canRetry ? { label: 'Retry', run: () => retry(failedId) } : undefined,
    };
  }

  return (
    <div className="chat-session">
      <ToolApprovalContext.Provider value={toolApproval}>
        <MessageList
          conversationId={conversationId}
          messages={chat.messages}
          prependMessages={(older) =>
            chat.setMessages((messages) => {
              const known = new Set(messages.map((message) => message.id));
              return [...older.filter((message) => !known.has(message.id)), ...messages];
            })
          }
          initialOlderCursor={props.history.olderCursor}
          streamingId={streamingId}
          stoppedId={stoppedId}
          problemFor={problemFor}
          isBusy={isBusy}
          isAwaitingReply={isBusy && last?.role === 'user'}
          followRef={followRef}
          empty={props.empty}
        />
      </ToolApprovalContext.Provider>
      <TypingNotice typists={typists} />
      <div className="composer-area">
        {refusal && <ErrorNotice error={new Error(refusal)} />}
        {props.canSend ? (
          <Composer
            draft={draft}
            onDraftChange={(value) => {
              setDraft(value);
              if (value) signalTyping();
            }}
            onSend={send}
            onStop={stopReply}
            isBusy={isBusy}
            attachments={attachments}
          />
        ) : (
          <p className="muted read-only-notice">{props.readOnlyNotice}</p>
        )}
      </div>
    </div>
  );
}

/** "Ana is typing…", for the other people watching the conversation. */
function TypingNotice({ typists }: { typists: Typist[] }) {
  return (
    <p className="muted typing-notice" role="status">
      {typists.length > 0 &&
        `${typists.map((typist) => typist.name).join(', ')} ${typists.length > 1 ? 'are' : 'is'} typing…`}
    </p>
  );
}

/**
 * After a turn the list's order and the conversation's title change. The title is written just after
 * the first exchange, off the turn's path, so an untitled conversation is looked at again shortly.
 */
function useRefreshAfterTurn(conversationId: string) {
  const queryClient = useQueryClient();
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);
  return useCallback(() => {
    const refresh = () => {
      void queryClient.invalidateQueries({ queryKey: chatKeys.lists });
      void queryClient.invalidateQueries({ queryKey: chatKeys.one(conversationId) });
    };
    const conversation = queryClient.getQueryData<Conversation>(chatKeys.one(conversationId));
    refresh();
    if (conversation?.title === null) {
      for (const delayMs of [1500, 4000]) timers.current.push(setTimeout(refresh, delayMs));
    }
  }, [queryClient, conversationId]);
}
