import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '../../ui/error-notice';
import {
  conversationTitle,
  useDeleteConversation,
  useUpdateConversation,
  type Conversation,
  type ConversationChange,
} from './chat-api';
import { formatActivityTime } from './format-time';
import { UnreadBadge } from './companion/unread-badge';

type Mode = 'idle' | 'menu' | 'rename' | 'confirm-delete';

/**
 * One conversation in the sidebar: its link, and behind "⋯" rename, archive and delete, offered only to
 * those the server lets change it (`canChange`).
 */
export function ConversationListItem(props: {
  conversation: Conversation;
  isActive: boolean;
  isOwn: boolean;
  canChange: boolean;
  onDeleted: (id: string) => void;
}) {
  const { conversation } = props;
  const title = conversationTitle(conversation);
  const [mode, setModeState] = useState<Mode>('idle');
  const update = useUpdateConversation();
  const remove = useDeleteConversation();
  const error = update.error ?? remove.error;
  const menuButton = useRef<HTMLButtonElement>(null);
  const setMode = (next: Mode) => {
    update.reset();
    remove.reset();
    setModeState(next);
  };
  /** Back to the plain row, with focus on its "⋯" button rather than lost with the closed form. */
  const close = () => {
    setModeState('idle');
    requestAnimationFrame(() => menuButton.current?.focus());
  };

  /** Escape closes the menu or the delete question, as it closes a dialog; rename handles its own. */
  const closeOnEscape = (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.key !== 'Escape' || (mode !== 'menu' && mode !== 'confirm-delete')) return;
    event.stopPropagation();
    close();
  };

  const change = (value: ConversationChange) =>
    update.mutate({ id: conversation.id, change: value }, { onSuccess: close });

  return (
    <li className={props.isActive ? 'conversation-item is-active' : 'conversation-item'} onKeyDown={closeOnEscape}>
      {mode === 'rename' ? (
        <RenameForm
          title={conversation.title ?? ''}
          isBusy={update.isPending}
          onSave={(next) => change({ title: next || null })}
          onCancel={close}
        />
      ) : (
        <div className="conversation-row">
          <Link
            to={`/chat/${conversation.id}`}
            className="conversation-link"
            aria-current={props.isActive ? 'page' : undefined}
          >
            <span className="conversation-title">
              {title} <UnreadBadge count={props.isActive ? 0 : conversation.unreadCount} />
            </span>
            <span className="conversation-when muted">
              {!props.isOwn && <span className="badge">Someone else’s</span>}{' '}
              <time dateTime={conversation.lastActivityAt}>{formatActivityTime(conversation.lastActivityAt)}</time>
            </span>
          </Link>
          {props.canChange && (
            <button
              ref={menuButton}
              type="button"
              className="icon-button conversation-menu"
              aria-label={`Actions for ${title}`}
              aria-expanded={mode === 'menu'}
              onClick={() => setMode(mode === 'menu' ? 'idle' : 'menu')}
            >
              ⋯
            </button>
          )}
        </div>
      )}
      {mode === 'menu' && (
        <div className="conversation-actions" role="group" aria-label={`Actions for ${title}`}>
          <button type="button" onClick={() => setMode('rename')}>
            Rename
          </button>
          <button
            type="button"
            onClick={() => change({ archived: !conversation.archived })}
            disabled={update.isPending}
          >
            {conversation.archived ? 'Unarchive' : 'Archive'}
          </button>
          <button type="button" className="danger" onClick={() => setMode('confirm-delete')}>
            Delete
          </button>
        </div>
      )}
      {mode === 'confirm-delete' && (
        <div className="conversation-confirm" role="group" aria-label={`Delete ${title}?`}>
          <p>Delete “{title}” and all its messages? This cannot be undone.</p>
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate(conversation.id, { onSuccess: () => props.onDeleted(conversation.id) })}
            >
              {remove.isPending ? 'Deleting…' : 'Delete'}
            </button>
            <button type="button" onClick={close} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error !== null && mode !== 'idle' && <ErrorNotice error={error} />}
    </li>
  );
}

function RenameForm(props: { title: string; isBusy: boolean; onSave: (title: string) => void; onCancel: () => void }) {
  const [value, setValue] = useState(props.title);
  const inputId = useId();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    props.onSave(value.trim());
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Escape') props.onCancel();
  }
  return (
    <form className="rename-form" onSubmit={submit}>
      <label className="visually-hidden" htmlFor={inputId}>
        Title
      </label>
      <input
        id={inputId}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={onKeyDown}
        maxLength={200}
        autoFocus
        onFocus={(event) => event.target.select()}
        placeholder="Leave empty to name it automatically"
      />
      <div className="row">
        <button type="submit" className="primary" disabled={props.isBusy}>
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
