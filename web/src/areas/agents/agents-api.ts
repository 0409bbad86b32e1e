import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import type { CompanionSettings } from './companion-settings-section';

export type AgentVisibility = 'tenant' | 'private';

/** An agent as GET /v1/agents answers it. */
export interface Agent {
  id: string;
  name: string;
  /** Absent unless the caller may change the agent: its system prompt is not shown to those who only use it. */
  instructions?: string;
  model: string;
  temperature: number | null;
  maxOutputTokens: number | null;
  visibility: AgentVisibility;
  /** The knowledge sources the agent answers from, citing them. */
  knowledgeSourceIds?: string[];
  /** The tools the agent may call (`builtin:<name>` or `mcp:<tool id>`). */
  toolKeys?: string[];
  /** Companion features (docs/companion.md); every agent answers with all of them. */
  companion?: CompanionSettings;
  ownerId: string | null;
  createdBy: string | null;
  /** The version conversations use, and the draft waiting beside it (docs/agents.md). */
  publishedVersion?: number;
  draftVersion?: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One version as GET /v1/agents/{id}/versions lists it. */
export interface AgentVersionSummary {
  number: number;
  state: 'published' | 'draft' | 'earlier';
  note: string | null;
  createdBy: string | null;
  createdAt: string;
  publishedAt: string | null;
  changed: string[];
}

/** The body of POST /v1/agents; PATCH takes the same fields, where null clears an optional number. */
export interface AgentInput {
  name: string;
  instructions: string;
  model: string;
  temperature?: number | null;
  maxOutputTokens?: number | null;
  visibility?: AgentVisibility;
  knowledgeSourceIds?: string[];
  toolKeys?: string[];
  /** Only the settings that change; the others keep their value. */
  companion?: Partial<CompanionSettings>;
}

/** A knowledge source as the agent form offers it. */
export interface KnowledgeSourceChoice {
  id: string;
  name: string;
  documentCount: number;
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
  versions: (id: string) => ['agents', 'versions', id] as const,
  diff: (id: string, number: number) => ['agents', 'diff', id, number] as const,
  models: ['providers', 'models'] as const,
  /** Under the knowledge area's root key, so a new or renamed source shows up here too. */
  knowledgeSources: ['knowledge', 'agent-picker'] as const,
};

export function useAgent(id: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: agentKeys.one(id),
    queryFn: () => api.get<Agent>(`/v1/agents/${encodeURIComponent(id)}`),
  });
}

/** The agent's versions, newest first (the 50 latest: enough to compare or roll back to). */
export function useAgentVersions(agentId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: agentKeys.versions(agentId),
    queryFn: () =>
      api.get<{ items: AgentVersionSummary[] }>(`/v1/agents/${encodeURIComponent(agentId)}/versions?limit=50`),
  });
}

export function useModelChoices() {
  const { api } = useServices();
  return useQuery({ queryKey: agentKeys.models, queryFn: () => api.get<ModelChoices>('/v1/providers/models') });
}

/** Every knowledge source of the tenant (a few pages at most in practice), for the agent's picker. */
export function useKnowledgeSourceChoices() {
  const { api } = useServices();
  return useQuery({
    queryKey: agentKeys.knowledgeSources,
    queryFn: async () => {
      const sources: KnowledgeSourceChoice[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages += 1) {
        const params = new URLSearchParams({ limit: '100' });
        if (cursor) params.set('cursor', cursor);
        const page: { items: KnowledgeSourceChoice[]; nextCursor: string | null } = await api.get(
          `/v1/knowledge-sources?${params.toString()}`,
        );
        sources.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return sources;
    },
  });
}
