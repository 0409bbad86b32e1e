import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useServices } from '../../app-context';
import { chatKeys } from './chat-api';

/** Coalesces a burst of activity (a reply's start and end) into one reading of the list. */
const refreshDelayMs = 300;

/**
 * Keeps the conversation list current from the per-user channel: a new conversation, or a message
 * in any of them from another tab, device or person, reads the list again.
 */
export function useLiveConversationList(): void {
  const { realtime } = useServices();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!realtime) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopListening = realtime.onUserEvent((event) => {
      if (event.type === 'conversation-updated' && typeof event.conversationId === 'string') {
        void queryClient.invalidateQueries({ queryKey: chatKeys.one(event.conversationId) });
      }
      clearTimeout(timer);
      timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: chatKeys.lists }), refreshDelayMs);
    });
    return () => {
      stopListening();
      clearTimeout(timer);
    };
  }, [realtime, queryClient]);
}
