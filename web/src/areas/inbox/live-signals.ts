import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../../app-context';
import { supportKeys, type SupportMessage } from './support-api';

/** How long "typing…" stays after the last typing signal. */
const typingShownMs = 5_000;

/**
 * Typing and reads, both ways, over the console's socket (the companion's read receipts): shows who is
 * typing in the conversation, tells the contact the operator read their messages, and reads the history
 * again when the contact read the replies (for "Seen").
 */
export function useLiveSignals(supportId: string, chatId: string | null, messages: readonly SupportMessage[]) {
  const { api, realtime } = useServices();
  const queryClient = useQueryClient();
  const [typist, setTypist] = useState<string | null>(null);
  const lastMarked = useRef('');

  useEffect(() => {
    if (!realtime || !chatId) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = realtime.subscribe(chatId, (event) => {
      if (event.type === 'typing') {
        const name = typeof event.name === 'string' && event.name ? event.name : 'The contact';
        setTypist(name);
        clearTimeout(timer);
        timer = setTimeout(() => setTypist(null), typingShownMs);
      }
      if (event.type === 'message-created') setTypist(null);
      // The contact (the chat's owner side) read the replies: their readAt is in the history now.
      if (event.type === 'read' && event.side === 'owner') {
        void queryClient.invalidateQueries({ queryKey: supportKeys.messages(supportId) });
      }
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [realtime, chatId, supportId, queryClient]);

  // The operator has the conversation open: the contact's newest message is read (the widget shows "Seen").
  const lastFromContact = [...messages].reverse().find((message) => message.role === 'contact');
  useEffect(() => {
    if (!chatId || !lastFromContact || lastFromContact.readAt || lastMarked.current === lastFromContact.id) return;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    lastMarked.current = lastFromContact.id;
    void api.post(`/v1/conversations/${chatId}/read`, { upToMessageId: lastFromContact.id }).catch(() => {
      lastMarked.current = '';
    });
  }, [api, chatId, lastFromContact]);

  return { typist, typing: () => (chatId ? realtime?.typing(chatId) : undefined) };
}
