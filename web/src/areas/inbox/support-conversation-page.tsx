import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { SaveAsCaseButton } from '../evaluations/save-case/save-as-case-button';
import { formatDateTime } from '../../ui/format';
import { ContactPanel } from './contact-panel';
import { InboxOf, useInboxDirectory } from './inbox-directory';
import { ConversationActions } from './conversation-actions';
import { ConversationTimeline } from './conversation-timeline';
import { LabelsEditor } from './labels-editor';
import { NotesPanel } from './notes-panel';
import { ReplyBox } from './reply-box';
import { PriorityAndRules } from './priority-and-rules';
import { TeamAndTargets } from './team-and-targets';
import {
  contactLabel,
  ratingText,
  statusLabels,
  supportBase,
  supportKeys,
  type Contact,
  type SupportConversation,
} from './support-api';

const conversationRefreshMs = 20_000;

/** One support conversation: history and reply in the middle, actions, labels, notes and the contact beside. */
export function SupportConversationPage() {
  const { supportId = '' } = useParams();
  const { api, realtime } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  // Another operator may take, transfer or resolve it meanwhile: read it again now and then.
  const conversation = useQuery({
    queryKey: supportKeys.conversation(supportId),
    queryFn: () => api.get<SupportConversation>(`${supportBase}/${supportId}`),
    refetchInterval: conversationRefreshMs,
  });
  const contactId = conversation.data?.contactId;
  const contact = useQuery({
    queryKey: supportKeys.contact(contactId ?? ''),
    queryFn: () => api.get<Contact>(`/v1/contacts/${contactId}`),
    enabled: Boolean(contactId),
  });
  const inboxes = useInboxDirectory();

  if (conversation.isPending) return <p className="muted state-text">Loading the conversation…</p>;
  if (conversation.isError) {
    return (
      <div className="stack support-conversation">
        <Link className="chat-back" to="/inbox">
          ← Queue
        </Link>
        <ErrorNotice error={conversation.error} onRetry={() => void conversation.refetch()} />
      </div>
    );
  }
  const current = conversation.data;
  const name = contact.data ? contactLabel(contact.data) : (current.contactName ?? 'Contact');
  const assignee =
    current.assigneeId === null ? 'Unassigned' : current.assigneeId === session.user.id ? 'You' : 'Another operator';
  return (
    <div className="support-conversation">
      <div className="support-main stack">
        <Link className="chat-back" to="/inbox">
          ← Queue
        </Link>
        <header className="stack support-head">
          <h2 data-page-title={name}>{name}</h2>
          <p className="muted">
            <span className="badge">{statusLabels[current.status]}</span> · {assignee}
            <InboxOf inboxId={current.inboxId} inboxes={inboxes} />
            {current.snoozedUntil && current.status === 'snoozed' && ` · until ${formatDateTime(current.snoozedUntil)}`}
          </p>
          <ConversationActions conversation={current} />
          <div className="row">
            <SaveAsCaseButton source={{ supportConversationId: current.id }} />
          </div>
        </header>
        {current.rating ? (
          <section className="card support-rating" aria-label="Rating">
            <h3>Rating</h3>
            <p aria-label={`Rated ${current.rating.rating} out of 5`}>
              {ratingText(current.rating)} · for the {current.rating.ratedFor === 'ai' ? 'AI' : 'operator'} ·{' '}
              {formatDateTime(current.rating.ratedAt)}
            </p>
            {current.rating.comment && <blockquote>{current.rating.comment}</blockquote>}
          </section>
        ) : null}
        {current.summary ? (
          <section className="card support-summary" aria-label="Summary">
            <h3>Summary</h3>
            <p>{current.summary}</p>
          </section>
        ) : null}
        <ConversationTimeline conversation={current} />
        <ReplyBox
          supportId={current.id}
          canReply={current.status !== 'resolved'}
          // The contact sees "<name> is typing" in the widget (a throttled realtime frame, never stored).
          onTyping={() => current.conversationId && realtime?.typing(current.conversationId)}
          // A reply to a conversation nobody has takes it: the status and the queue change too.
          onSent={() => void queryClient.invalidateQueries({ queryKey: supportKeys.all })}
        />
      </div>
      <aside className="support-side stack" aria-label="Details">
        <section className="stack" aria-label="Labels">
          <h3>Labels</h3>
          <LabelsEditor conversation={current} />
        </section>
        <TeamAndTargets conversation={current} />
        <PriorityAndRules conversation={current} />
        <NotesPanel supportId={current.id} />
        <ContactPanel contactId={current.contactId} currentId={current.id} />
      </aside>
    </div>
  );
}
