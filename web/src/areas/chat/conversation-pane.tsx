import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../../api/api-error';
import { useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { SaveAsCaseButton } from '../evaluations/save-case/save-as-case-button';
import { chatKeys, conversationTitle, useChatAgents, useConversation, useLatestHistory } from './chat-api';
import { ChatSession } from './chat-session';
import { ProactiveToggle } from './proactive-toggle';
import { LatestSummary } from './companion/latest-summary';
import { PersonalitySuggestionBanner } from './personality-suggestion-banner';

/**
 * A conversation the address names that is not there for this user (404), or an address that names
 * none at all (400: not an id): trying again cannot help, going back to the list can.
 */
function isMissing(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 400);
}

/** The open conversation: a header, then the chat once its conversation and latest history are read. */
export function ConversationPane({ conversationId }: { conversationId: string }) {
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const conversation = useConversation(conversationId);
  const history = useLatestHistory(conversationId);
  const agents = useChatAgents();
  const [generation, setGeneration] = useState(0);

  const agent = agents.data?.find((each) => each.id === conversation.data?.agentId);
  const reload = async () => {
    await queryClient.refetchQueries({ queryKey: chatKeys.history(conversationId) });
    setGeneration((value) => value + 1);
  };

  const pageName = conversation.data ? conversationTitle(conversation.data) : conversation.isPending ? '' : 'Chat';

  let body;
  if (isMissing(conversation.error) || isMissing(history.error)) {
    body = (
      <p className="muted state-text" role="alert">
        This chat does not exist, or it is not yours to see. <Link to="/chat">Back to your chats</Link>
      </p>
    );
  } else if (conversation.isError) {
    body = <ErrorNotice error={conversation.error} onRetry={() => void conversation.refetch()} />;
  } else if (history.isError) {
    body = <ErrorNotice error={history.error} onRetry={() => void history.refetch()} />;
  } else if (conversation.isPending || history.isPending) {
    body = <p className="muted state-text">Loading messages…</p>;
  } else {
    const isOwn = conversation.data.ownerId === session.user.id;
    body = (
      <ChatSession
        key={generation}
        conversation={conversation.data}
        history={history.data}
        canSend={isOwn}
        readOnlyNotice="This is someone else’s conversation: you can read it, but only its owner can send messages in it."
        empty={
          <p className="muted">
            No messages yet. Ask {agent ? agent.name : 'the agent'} anything; replies stream in as they are written.
          </p>
        }
        onReload={() => void reload()}
      />
    );
  }

  return (
    <section className="conversation-pane" aria-labelledby="conversation-title">
      <header className="conversation-head">
        <Link to="/chat" className="chat-back" aria-label="Back to chats">
          ← Chats
        </Link>
        <div className="conversation-heading">
          {/* The page's name (document title, route announcer) is the chat's, once it is read. */}
          <h2 id="conversation-title" data-page-title={pageName}>
            {conversation.data ? conversationTitle(conversation.data) : 'Chat'}
          </h2>
          {agent && <span className="muted agent-name">with {agent.name}</span>}
        </div>
        {agent && (
          <Link to={`/agents/${agent.id}/memories`} className="memories-link">
            Memories
          </Link>
        )}
        {conversation.data?.archived && <span className="badge">Archived</span>}
        {conversation.data && <SaveAsCaseButton source={{ conversationId }} />}
        {conversation.data?.ownerId === session.user.id && <ProactiveToggle conversationId={conversationId} />}
      </header>
      <LatestSummary conversationId={conversationId} />
      {conversation.data?.ownerId === session.user.id && (
        <PersonalitySuggestionBanner conversationId={conversationId} agentId={conversation.data.agentId} />
      )}
      {body}
    </section>
  );
}
