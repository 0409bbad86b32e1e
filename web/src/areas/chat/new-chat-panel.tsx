import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '../../ui/error-notice';
import { useChatAgents, useCreateConversation, type Conversation } from './chat-api';

/** Picks the agent of a new chat and creates the conversation. */
export function NewChatPanel(props: { onCreated: (conversation: Conversation) => void; onCancel: () => void }) {
  const agents = useChatAgents();
  const cancelOnEscape = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    props.onCancel();
  };
  const create = useCreateConversation();
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
          <Link to="/agents" ref={agentLink}>
            Create an agent
          </Link>{' '}
          first.
        </p>
        <button type="button" onClick={props.onCancel}>
          Close
        </button>
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
