import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { chatKeys, useChatAgents, useCreateConversation, type ChatAgent, type Conversation } from './chat-api';

/**
 * With no agent to chat with, an agent made on the spot on the server's default model: shared with the
 * tenant when an administrator makes it, the person's own otherwise (members may have private agents).
 */
function useCreateFirstAgent() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post<ChatAgent>('/v1/agents', {
        name: 'Assistant',
        instructions: 'You are a helpful assistant. Answer clearly and briefly.',
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: chatKeys.agents }),
  });
}

/** Picks the agent of a new chat and creates the conversation. */
export function NewChatPanel(props: { onCreated: (conversation: Conversation) => void; onCancel: () => void }) {
  const agents = useChatAgents();
  const cancelOnEscape = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    props.onCancel();
  };
  const create = useCreateConversation();
  const createAgent = useCreateFirstAgent();
  const isAdmin = hasRoleAtLeast(useSignedInSession().user.role, 'tenant_admin');
  const [chosenId, setChosenId] = useState('');
  // With no agent to pick, the panel still takes focus when it opens, like the picker (its select's
  // autoFocus), so that Escape reaches it; autoFocus does nothing on a link.
  const agentLink = useRef<HTMLAnchorElement>(null);
  const hasNoAgents = agents.data?.length === 0;
  useEffect(() => {
    if (hasNoAgents) agentLink.current?.focus();
  }, [hasNoAgents]);

  if (agents.isPending) return <p className="muted new-chat-panel">Loading agents…</p>;
  if (agents.isError) {
    return (
      <div className="new-chat-panel">
        <ErrorNotice error={agents.error} onRetry={() => void agents.refetch()} />
      </div>
    );
  }
  if (agents.data.length === 0) {
    return (
      <div className="new-chat-panel" role="group" aria-label="New chat" onKeyDown={cancelOnEscape}>
        <p>
          There are no agents to chat with yet.{' '}
          {isAdmin
            ? 'Create one now on the default model, for everyone in your workspace, or set one up in '
            : 'Create one for yourself now on the default model (ask your administrator for one the whole team shares), or set one up in '}
          <Link to="/agents" ref={agentLink}>
            Agents
          </Link>
          .
        </p>
        {createAgent.isError && <ErrorNotice error={createAgent.error} />}
        {create.isError && <ErrorNotice error={create.error} />}
        <div className="row">
          <button
            type="button"
            className="primary"
            disabled={createAgent.isPending || create.isPending}
            onClick={() =>
              createAgent.mutate(undefined, {
                onSuccess: (agent) => create.mutate(agent.id, { onSuccess: props.onCreated }),
              })
            }
          >
            {createAgent.isPending || create.isPending ? 'Creating…' : 'Create an assistant and chat'}
          </button>
          <button type="button" onClick={props.onCancel}>
            Close
          </button>
        </div>
      </div>
    );
  }

  const agentId = agents.data.some((agent) => agent.id === chosenId) ? chosenId : agents.data[0]!.id;
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate(agentId, { onSuccess: props.onCreated });
  }

  return (
    <form className="new-chat-panel stack" onSubmit={submit} onKeyDown={cancelOnEscape} aria-label="New chat">
      <label>
        Agent
        <select value={agentId} onChange={(event) => setChosenId(event.target.value)} autoFocus>
          {agents.data.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
      </label>
      {create.isError && <ErrorNotice error={create.error} />}
      <div className="row">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Starting…' : 'Start chat'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
