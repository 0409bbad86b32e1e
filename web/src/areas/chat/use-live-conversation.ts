import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useServices, useSignedInSession } from '../../app-context';
import type { ConversationEvent } from '../../realtime/realtime-frames';
import { chatKeys, type MessageHistory } from './chat-api';
import type { ChatMessage } from './chat-messages';
import { applyLiveEvent, historySeq } from './live-events';

/** How long "… is typing" stays after the last typing frame (clients send one every 2 s at most). */
const typingShownMs = 5_000;

export interface Typist {
  readonly userId: string;
  readonly name: string;
}

/**
 * Follows a conversation over the realtime socket: what happens elsewhere (another tab, another
 * person, an API call) shows here as it happens, and a reply left half-written by a reload streams on.
 * While this tab writes its own turn, useChat owns the screen: the socket's events wait and are then
 * applied, those of messages already shown falling away. Returns who else is typing.
 */
export function useLiveConversation(options: {
  conversationId: string;
  history: MessageHistory;
  setMessages: (update: (messages: ChatMessage[]) => ChatMessage[]) => void;
  isBusy: boolean;
}): Typist[] {
  const { conversationId, isBusy } = options;
  // useChat's setter, read through a ref so a new one never resubscribes.
  const setMessagesRef = useRef(options.setMessages);
  setMessagesRef.current = options.setMessages;
  const { realtime } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const [typists, setTypists] = useState<Typist[]>([]);
  const waiting = useRef<ConversationEvent[]>([]);
  const isBusyRef = useRef(isBusy);
  isBusyRef.current = isBusy;
  // The history this session started from; later refetches do not move where the socket resumes.
  const [afterSeq] = useState(() => historySeq(options.history.items));
  const typingTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    if (!realtime) return undefined;
    const timers = typingTimers.current;
    const showTypist = (typist: Typist) => {
      setTypists((current) => [...current.filter((each) => each.userId !== typist.userId), typist]);
      clearTimeout(timers.get(typist.userId));
      timers.set(
        typist.userId,
        setTimeout(
          () => setTypists((current) => current.filter((each) => each.userId !== typist.userId)),
          typingShownMs,
        ),
      );
    };
    const unsubscribe = realtime.subscribe(
      conversationId,
      (event) => {
        if (event.type === 'typing') {
          if (typeof event.userId !== 'string' || event.userId === session.user.id) return;
          showTypist({ userId: event.userId, name: typeof event.name === 'string' ? event.name : 'Someone' });
          return;
        }
        if (event.type === 'conversation-updated') {
          void queryClient.invalidateQueries({ queryKey: chatKeys.one(conversationId) });
          return;
        }
        if (event.type === 'message-created' && typeof event.message === 'object' && event.message !== null) {
          // A person's message arriving ends their typing.
          const author = (event.message as { authorId?: unknown }).authorId;
          if (typeof author === 'string') setTypists((current) => current.filter((each) => each.userId !== author));
        }
        if (isBusyRef.current) waiting.current.push(event);
        else setMessagesRef.current((messages) => applyLiveEvent(messages, event));
      },
      afterSeq,
    );
    return () => {
      unsubscribe();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    };
  }, [realtime, conversationId, afterSeq, session.user.id, queryClient]);

  useEffect(() => {
    if (isBusy || waiting.current.length === 0) return;
    const events = waiting.current;
    waiting.current = [];
    setMessagesRef.current((messages) => events.reduce(applyLiveEvent, messages));
  }, [isBusy]);

  return typists;
}

/** Tells the conversation's other watchers that this person is typing (the client throttles). */
export function useTypingSignal(conversationId: string): () => void {
  const { realtime } = useServices();
  return () => realtime?.typing(conversationId);
}
