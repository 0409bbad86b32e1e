import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../../app-context';

/** A summary as GET /v1/conversations/:id/summaries answers it (newest first). */
export interface ConversationSummary {
  id: string;
  content: string;
  firstMessageId: string;
  lastMessageId: string;
  userTurns: number;
  model: string;
  createdAt: string;
}

export const summaryKeys = {
  list: (conversationId: string) => ['chat', 'summaries', conversationId] as const,
};

/**
 * The conversation's latest summary, folded away until opened (docs/companion.md). Nothing shows while
 * there is none, or when it cannot be read: the chat does not need it.
 */
export function LatestSummary({ conversationId }: { conversationId: string }) {
  const { api } = useServices();
  const summaries = useQuery({
    queryKey: summaryKeys.list(conversationId),
    queryFn: () =>
      api.get<{ items: ConversationSummary[] }>(`/v1/conversations/${encodeURIComponent(conversationId)}/summaries`),
  });
  const latest = summaries.data?.items[0];
  if (!latest) return null;
  return (
    <details className="latest-summary">
      <summary>Summary of the conversation ({latest.userTurns} turns)</summary>
      <p className="summary-text">{latest.content}</p>
    </details>
  );
}
