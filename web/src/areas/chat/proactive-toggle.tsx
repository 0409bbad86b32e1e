import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useServices } from '../../app-context';

interface ConversationProactive {
  conversationId: string;
  enabled: boolean;
  agentEnabled: boolean;
  unanswered: number;
}

const proactivePath = (conversationId: string) => `/v1/conversations/${conversationId}/proactive`;

/**
 * The owner's switch for the agent's proactive messages in one conversation (they arrive only when
 * the agent has them on too). Says so when they are off for the whole agent.
 */
export function ProactiveToggle({ conversationId }: { conversationId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const key = ['conversation-proactive', conversationId];
  const setting = useQuery({
    queryKey: key,
    queryFn: () => api.get<ConversationProactive>(proactivePath(conversationId)),
  });
  const change = useMutation({
    mutationFn: (enabled: boolean) => api.put<ConversationProactive>(proactivePath(conversationId), { enabled }),
    onSuccess: (next) => queryClient.setQueryData(key, next),
  });
  if (!setting.data) return null;
  return (
    <label className="proactive-toggle" title="The agent may write first when this chat has been quiet a while">
      <input
        type="checkbox"
        checked={setting.data.enabled}
        disabled={change.isPending}
        onChange={(event) => change.mutate(event.target.checked)}
      />{' '}
      Proactive messages
      {!setting.data.agentEnabled && <span className="muted"> (off for this agent)</span>}
    </label>
  );
}
