import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useServices } from '../../../app-context';
import { chatKeys } from '../chat-api';
import type { ChatMessage } from '../chat-messages';

/** The server id of the agent's latest settled message on screen, if any. */
export function latestReadableId(messages: readonly ChatMessage[]): string | undefined {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index]!;
    if (message.role !== 'assistant') continue;
    const status = message.metadata?.status;
    if (status === 'streaming' || status === 'pending') continue;
    const id = message.metadata?.assistantMessageId ?? message.id;
    // A split reply streamed here: its last bubble is the latest of its messages.
    const bubbles = message.parts.flatMap((part) =>
      part.type === 'data-bubble' && typeof part.id === 'string' ? [part.id] : [],
    );
    return bubbles.at(-1) ?? id;
  }
  return undefined;
}

/**
 * The owner reading the open conversation marks the agent's messages read (POST …/read), once per new
 * latest message and never while it is still written; the sidebar's unread count then clears. Reading
 * through GET never marks anything, so this is the only place the console does.
 */
export function useMarkRead(conversationId: string, messages: readonly ChatMessage[], isOwner: boolean): void {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const marked = useRef<string | undefined>(undefined);
  const latest = isOwner ? latestReadableId(messages) : undefined;
  useEffect(() => {
    if (!latest || marked.current === latest) return;
    marked.current = latest;
    api
      .post(`/v1/conversations/${encodeURIComponent(conversationId)}/read`, { upToMessageId: latest })
      .then(() => queryClient.invalidateQueries({ queryKey: chatKeys.lists }))
      .catch(() => {
        // Not yet stored under that id (a reply just finished elsewhere), or gone: the next message tries again.
        marked.current = undefined;
      });
  }, [api, conversationId, latest, queryClient]);
}
