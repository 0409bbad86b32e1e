import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { ContactMemories } from './contact-memories';
import { formatDateTime } from '../../ui/format';
import {
  contactLabel,
  ratingText,
  statusLabels,
  supportKeys,
  type Contact,
  type SupportConversation,
} from './support-api';

/** The contact's facts (name, email, phone, external id, attributes, what the widget knows), as the widget or an admin set them. */
export function ContactFacts({ contact }: { contact: Contact }) {
  const attributes = Object.entries(contact.attributes);
  // What the widget knows: where the visitor is, where they came from, their language, time and browser.
  const { visitor } = contact;
  const visitorFacts: [string, string | undefined][] = visitor
    ? [
        ['Page', visitor.page],
        ['Came from', visitor.referrer],
        ['Language', visitor.language],
        ['Time zone', visitor.timeZone],
        ['Browser', visitor.browser],
      ]
    : [];
  return (
    <dl className="facts">
      <dt>Name</dt>
      <dd>{contact.name ?? '—'}</dd>
      <dt>Email</dt>
      <dd className="cell-break">{contact.email ?? '—'}</dd>
      <dt>Phone</dt>
      <dd>{contact.phone ?? '—'}</dd>
      <dt>External id</dt>
      <dd className="cell-break">{contact.externalId ?? '—'}</dd>
      {attributes.map(([name, value]) => (
        <div key={name} className="facts-pair">
          <dt>{name}</dt>
          <dd className="cell-break">{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
      <dt>First seen</dt>
      <dd>{formatDateTime(contact.firstSeenAt)}</dd>
      <dt>Last seen</dt>
      <dd>{formatDateTime(contact.lastSeenAt)}</dd>
      {visitor && (
        <>
          <dt>Identity</dt>
          <dd>{visitor.isVerified ? 'Verified by your site' : 'Not verified'}</dd>
          {visitorFacts.map(([label, value]) =>
            value ? (
              <div key={label} className="facts-pair">
                <dt>{label}</dt>
                <dd className="cell-break">{value}</dd>
              </div>
            ) : null,
          )}
        </>
      )}
    </dl>
  );
}

/** A contact's support conversations across inboxes, newest first, each a link into the Inbox. */
export function ContactConversations(props: { contactId: string; currentId?: string }) {
  const { api } = useServices();
  const conversations = useQuery({
    queryKey: supportKeys.contactConversations(props.contactId),
    queryFn: () => api.get<{ items: SupportConversation[] }>(`/v1/contacts/${props.contactId}/conversations`),
  });
  if (conversations.isPending) return <p className="muted state-text">Loading conversations…</p>;
  if (conversations.isError) {
    return <ErrorNotice error={conversations.error} onRetry={() => void conversations.refetch()} />;
  }
  const others = conversations.data.items.filter((item) => item.id !== props.currentId);
  if (others.length === 0) return <p className="muted">No other conversations.</p>;
  return (
    <ul className="plain-list" aria-label="Conversations of the contact">
      {others.map((item) => (
        <li key={item.id}>
          <Link to={`/inbox/${item.id}`}>{formatDateTime(item.createdAt)}</Link>{' '}
          <span className="badge">{statusLabels[item.status]}</span>
          {item.labels.length > 0 && <span className="muted"> · {item.labels.join(', ')}</span>}
          {item.rating && (
            <span className="muted" aria-label={`Rated ${item.rating.rating} out of 5`}>
              {' '}
              · {ratingText(item.rating)}
              {item.rating.comment && ` “${item.rating.comment}”`}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The contact beside a conversation: who they are and what they asked before. */
export function ContactPanel(props: { contactId: string; currentId: string }) {
  const { api } = useServices();
  const contact = useQuery({
    queryKey: supportKeys.contact(props.contactId),
    queryFn: () => api.get<Contact>(`/v1/contacts/${props.contactId}`),
  });
  return (
    <section className="stack contact-panel" aria-label="Contact">
      <h3>{contact.data ? contactLabel(contact.data) : 'Contact'}</h3>
      {contact.isPending ? (
        <p className="muted state-text">Loading the contact…</p>
      ) : contact.isError ? (
        <ErrorNotice error={contact.error} onRetry={() => void contact.refetch()} />
      ) : (
        <>
          <ContactFacts contact={contact.data} />
          <Link to={`/contacts/${props.contactId}`}>Open in Contacts</Link>
        </>
      )}
      <h4>Previous conversations</h4>
      <ContactConversations contactId={props.contactId} currentId={props.currentId} />
      <h4>What the AI remembers</h4>
      <ContactMemories contactId={props.contactId} />
    </section>
  );
}
