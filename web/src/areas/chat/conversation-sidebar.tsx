import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { hasRoleAtLeast, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { useDebouncedValue } from '../../ui/use-debounced-value';
import { useOnVisible } from '../../ui/use-on-visible';
import { useConversationList, type ConversationFilters } from './chat-api';
import { ConversationListItem } from './conversation-list-item';
import { useLiveConversationList } from './use-live-conversation-list';
import { NewChatPanel } from './new-chat-panel';

/** The list of chats: search, the archive switch, "New chat", and the conversations page by page. */
export function ConversationSidebar({ activeId }: { activeId: string | undefined }) {
  const navigate = useNavigate();
  useLiveConversationList();
  const [isPickingAgent, setIsPickingAgent] = useState(false);
  const newChatButton = useRef<HTMLButtonElement>(null);
  /** Closes the agent picker, focus back on "New chat" rather than lost with the picker. */
  const closePicker = () => {
    setIsPickingAgent(false);
    requestAnimationFrame(() => newChatButton.current?.focus());
  };
  const [search, setSearch] = useState('');
  const [showArchived, setShowArchived] = useState(false);
  const q = useDebouncedValue(search.trim(), 300);

  return (
    <aside className="chat-sidebar" aria-label="Chats">
      <div className="chat-sidebar-head">
        <h1>Chats</h1>
        <button
          ref={newChatButton}
          type="button"
          className="primary"
          aria-expanded={isPickingAgent}
          onClick={() => setIsPickingAgent((open) => !open)}
        >
          New chat
        </button>
      </div>
      {isPickingAgent && (
        <NewChatPanel
          onCancel={closePicker}
          onCreated={(conversation) => {
            setIsPickingAgent(false);
            void navigate(`/chat/${conversation.id}`);
          }}
        />
      )}
      <div className="chat-filters">
        <input
          type="search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Search by title"
          aria-label="Search chats"
          maxLength={100}
        />
        <label className="inline">
          <input type="checkbox" checked={showArchived} onChange={(event) => setShowArchived(event.target.checked)} />
          Show archived
        </label>
      </div>
      <ConversationList
        filters={{ q, archived: showArchived }}
        activeId={activeId}
        onDeleted={(id) => {
          if (id === activeId) void navigate('/chat');
        }}
      />
    </aside>
  );
}

function ConversationList(props: {
  filters: ConversationFilters;
  activeId: string | undefined;
  onDeleted: (id: string) => void;
}) {
  const session = useSignedInSession();
  // Operators see everyone's chats but, like the server, only admins change someone else's.
  const isAdmin = hasRoleAtLeast(session.user.role, 'tenant_admin');
  const { query, conversations } = useConversationList(props.filters);
  const scroller = useRef<HTMLDivElement>(null);
  const loadMore = () => {
    if (query.hasNextPage && !query.isFetchingNextPage && !query.isFetchNextPageError) void query.fetchNextPage();
  };
  const sentinel = useOnVisible<HTMLDivElement>(loadMore, {
    root: scroller,
    isEnabled: query.hasNextPage,
    resetKey: conversations.length,
  });
  const { q, archived } = props.filters;

  let body;
  if (query.isPending) body = <p className="muted state-text">Loading chats…</p>;
  else if (query.isError && conversations.length === 0)
    body = <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  else if (conversations.length === 0)
    body = (
      <p className="muted state-text">
        {q
          ? `No ${archived ? 'archived ' : ''}chats have “${q}” in their title.`
          : archived
            ? 'No archived chats.'
            : 'No chats yet. Start one with New chat.'}
      </p>
    );
  else
    body = (
      <>
        <ul className="conversation-list" aria-label={archived ? 'Archived chats' : 'Your chats'}>
          {conversations.map((conversation) => (
            <ConversationListItem
              key={conversation.id}
              conversation={conversation}
              isActive={conversation.id === props.activeId}
              isOwn={conversation.ownerId === session.user.id}
              canChange={conversation.ownerId === session.user.id || isAdmin}
              onDeleted={props.onDeleted}
            />
          ))}
        </ul>
        {query.isFetchNextPageError && <ErrorNotice error={query.error} onRetry={() => void query.fetchNextPage()} />}
        {query.hasNextPage && (
          <div className="load-more" ref={sentinel}>
            <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </>
    );

  return (
    <div className="conversation-scroll" ref={scroller}>
      {body}
    </div>
  );
}
