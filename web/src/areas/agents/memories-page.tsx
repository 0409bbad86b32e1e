import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { agentsPath } from './agent-editor-page';
import { useAgent } from './agents-api';

/** A fact an agent keeps about the signed-in user (GET /v1/agents/:id/memories, docs/companion.md). */
export interface Memory {
  id: string;
  agentId: string;
  content: string;
  sourceMessageId: string | null;
  createdAt: string;
  updatedAt: string;
}

const memoryKeys = { list: (agentId: string) => ['agents', 'memories', agentId] as const };
const memoriesPath = (agentId: string) => `/v1/agents/${encodeURIComponent(agentId)}/memories`;

/**
 * What an agent remembers about you across conversations: each fact can be corrected or forgotten.
 * Yours alone; no one else sees them, not even an administrator.
 */
export function MemoriesPage() {
  const { agentId = '' } = useParams();
  const { api } = useServices();
  const agent = useAgent(agentId);
  const memories = useQuery({
    queryKey: memoryKeys.list(agentId),
    queryFn: () => api.get<{ items: Memory[] }>(memoriesPath(agentId)),
  });
  const name = agent.data?.name ?? 'this agent';

  let body;
  if (memories.isPending) body = <p className="muted state-text">Loading what {name} remembers…</p>;
  else if (memories.isError) body = <ErrorNotice error={memories.error} onRetry={() => void memories.refetch()} />;
  else if (memories.data.items.length === 0) {
    body = (
      <p className="muted">
        {name} remembers nothing about you yet.{' '}
        {agent.data?.companion?.memory === false &&
          'Long-term memory is off for this agent; whoever may edit it can turn it on.'}
      </p>
    );
  } else {
    body = (
      <ul className="memory-list">
        {memories.data.items.map((memory) => (
          <MemoryItem key={memory.id} memory={memory} />
        ))}
      </ul>
    );
  }

  return (
    <section className="page" aria-labelledby="memories-heading">
      <p>
        <Link to={agentsPath}>← Agents</Link>
      </p>
      <h1 id="memories-heading">What {name} remembers about you</h1>
      <p className="muted">
        Short facts kept across your conversations with this agent, given to it when a new conversation begins.
      </p>
      {body}
    </section>
  );
}

function MemoryItem({ memory }: { memory: Memory }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: memoryKeys.list(memory.agentId) });
  const save = useMutation({
    mutationFn: (content: string) => api.patch(`${memoriesPath(memory.agentId)}/${memory.id}`, { content }),
    onSuccess: async () => {
      setDraft(null);
      await refresh();
    },
  });
  const forget = useMutation({
    mutationFn: () => api.delete(`${memoriesPath(memory.agentId)}/${memory.id}`),
    onSuccess: refresh,
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (draft !== null && draft.trim()) save.mutate(draft.trim());
  }

  return (
    <li className="memory-item">
      {draft === null ? (
        <div className="row">
          <span className="memory-content">{memory.content}</span>
          <button type="button" onClick={() => setDraft(memory.content)}>
            Edit
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => forget.mutate()}
            disabled={forget.isPending}
            aria-label={`Forget "${memory.content}"`}
          >
            {forget.isPending ? 'Forgetting…' : 'Forget'}
          </button>
        </div>
      ) : (
        <form className="row" onSubmit={submit}>
          <input
            aria-label="Fact"
            value={draft}
            maxLength={200}
            onChange={(event) => setDraft(event.target.value)}
            autoFocus
          />
          <button type="submit" className="primary" disabled={save.isPending || !draft.trim()}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      )}
      {(save.error ?? forget.error) && <ErrorNotice error={save.error ?? forget.error} />}
    </li>
  );
}
