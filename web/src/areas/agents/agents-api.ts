import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';

export type AgentVisibility = 'tenant' | 'private';

/** An agent as GET /v1/agents answers it. */
export interface Agent {
  id: string;
  name: string;
  instructions: string;
  model: string;
  temperature: number | null;
  maxOutputTokens: number | null;
  visibility: AgentVisibility;
  ownerId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The body of POST /v1/agents; PATCH takes the same fields, where null clears an optional number. */
export interface AgentInput {
  name: string;
  instructions: string;
  model: string;
  temperature?: number | null;
  maxOutputTokens?: number | null;
  visibility?: AgentVisibility;
}

/** What GET /v1/providers/models answers: the model refs an agent can use here. */
export interface ModelChoices {
  models: string[];
  defaultModel: string;
}

export const agentKeys = {
  all: ['agents'] as const,
  list: ['agents', 'list'] as const,
  one: (id: string) => ['agents', 'one', id] as const,
  models: ['providers', 'models'] as const,
};

export function useAgent(id: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: agentKeys.one(id),
    queryFn: () => api.get<Agent>(`/v1/agents/${encodeURIComponent(id)}`),
  });
}

export function useModelChoices() {
  const { api } = useServices();
  return useQuery({ queryKey: agentKeys.models, queryFn: () => api.get<ModelChoices>('/v1/providers/models') });
}
