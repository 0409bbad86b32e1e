import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import { agentKeys, type Agent } from '../agents/agents-api';

/** A suggestion to adapt the agent's personality, as GET …/personality-suggestions answers it. */
export interface PersonalitySuggestion {
  id: string;
  conversationId: string;
  agentId: string;
  instructions: string;
  reason: string;
  confidence: number;
  model: string;
  status: 'pending' | 'applied' | 'dismissed';
  appliedTo: 'conversation' | 'agent' | null;
  autoApplied: boolean;
  createdAt: string;
}

export interface PersonalitySuggestionList {
  personalityOverride: string | null;
  items: PersonalitySuggestion[];
}

export type SuggestionDecision =
  { readonly action: 'apply'; readonly target: 'conversation' | 'agent' } | { readonly action: 'dismiss' };

export const suggestionKeys = {
  of: (conversationId: string) => ['chat', 'personality-suggestions', conversationId] as const,
};

const suggestionsPath = (conversationId: string) =>
  `/v1/conversations/${encodeURIComponent(conversationId)}/personality-suggestions`;

export function usePersonalitySuggestions(conversationId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: suggestionKeys.of(conversationId),
    queryFn: () => api.get<PersonalitySuggestionList>(suggestionsPath(conversationId)),
  });
}

/** Whether the caller may change the agent: its instructions are shown only to those who may. */
export function useCanEditAgent(agentId: string | undefined) {
  const { api } = useServices();
  // The agents area's query of the same agent, so both share one cached answer.
  return useQuery({
    queryKey: agentKeys.one(agentId ?? ''),
    enabled: agentId !== undefined,
    queryFn: () => api.get<Agent>(`/v1/agents/${encodeURIComponent(agentId ?? '')}`),
    select: (agent) => agent.instructions !== undefined,
  });
}

export function useDecideSuggestion(conversationId: string) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ suggestionId, decision }: { suggestionId: string; decision: SuggestionDecision }) => {
      const path = `${suggestionsPath(conversationId)}/${encodeURIComponent(suggestionId)}/${decision.action}`;
      return decision.action === 'apply'
        ? api.post<PersonalitySuggestion>(path, { target: decision.target })
        : api.post<PersonalitySuggestion>(path);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: suggestionKeys.of(conversationId) }),
  });
}
