import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, Route, Routes, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { RequireRole } from '../admin/require-role';
import type { ConsoleArea } from '../console-area';
import { ContactConversations, ContactFacts } from '../inbox/contact-panel';
import { contactLabel, supportKeys, type Contact } from '../inbox/support-api';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { useDebouncedValue } from '../../ui/use-debounced-value';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

export const contactsPath = '/contacts';

/** Contacts newest first, or those whose name, email, phone or external id starts with the search. */
function ContactsPage() {
  const searchId = useId();
  const [search, setSearch] = useState('');
  const query = useDebouncedValue(search.trim(), 300);
  const path = query ? `/v1/contacts?q=${encodeURIComponent(query)}` : '/v1/contacts';
  const list = useCursorList<Contact>([...supportKeys.contacts, 'search', query], path, 50);
  return (
    <section className="stack" aria-labelledby="contacts-heading">
      <h1 id="contacts-heading">Contacts</h1>
      <div className="field">
        <label htmlFor={searchId}>Search</label>
        <input
          id={searchId}
          type="search"
          value={search}
          maxLength={200}
          placeholder="Start of a name, email, phone or external id"
          onChange={(event) => setSearch(event.target.value)}
        />
      </div>
      <CursorListView
        list={list}
        loadingText="Loading contacts…"
        emptyText={query ? 'No contact matches.' : 'No contacts yet.'}
      >
        {(contacts) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">External id</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {contacts.map((contact) => (
                <tr key={contact.id}>
                  <th scope="row" className="cell-title">
                    <Link to={`${contactsPath}/${contact.id}`}>{contactLabel(contact)}</Link>
                  </th>
                  <td data-label="Email" className="cell-break">
                    {contact.email ?? '—'}
                  </td>
                  <td data-label="Phone">{contact.phone ?? '—'}</td>
                  <td data-label="External id" className="cell-break">
                    {contact.externalId ?? '—'}
                  </td>
                  <td data-label="Last seen">{formatDateTime(contact.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
    </section>
  );
}

/** The editable fields of a contact; empty clears one. Attributes are edited as JSON. */
function ContactForm(props: { contact: Contact; onDone: () => void }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const { contact } = props;
  const [name, setName] = useState(contact.name ?? '');
  const [email, setEmail] = useState(contact.email ?? '');
  const [phone, setPhone] = useState(contact.phone ?? '');
  const [externalId, setExternalId] = useState(contact.externalId ?? '');
  const [attributes, setAttributes] = useState(JSON.stringify(contact.attributes, null, 2));
  const [attributesError, setAttributesError] = useState<string | null>(null);
  const save = useExclusiveMutation({
    mutationFn: (body: object) => api.patch<Contact>(`/v1/contacts/${contact.id}`, body),
    onSuccess: async (updated) => {
      queryClient.setQueryData(supportKeys.contact(contact.id), updated);
      await queryClient.invalidateQueries({ queryKey: supportKeys.contacts });
      props.onDone();
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(attributes || '{}');
    } catch {
      setAttributesError('Attributes must be JSON, e.g. {"plan": "pro"}');
      return;
    }
    setAttributesError(null);
    const orNull = (value: string) => value.trim() || null;
    save.mutate({
      name: orNull(name),
      email: orNull(email),
      phone: orNull(phone),
      externalId: orNull(externalId),
      attributes: parsed,
    });
  }
  return (
    <form className="card stack form" onSubmit={submit} aria-label="Edit contact">
      <TextField label="Name" field="name" error={save.error} value={name} onValueChange={setName} maxLength={200} />
      <TextField
        label="Email"
        field="email"
        error={save.error}
        value={email}
        onValueChange={setEmail}
        type="email"
        maxLength={320}
      />
      <TextField label="Phone" field="phone" error={save.error} value={phone} onValueChange={setPhone} maxLength={40} />
      <TextField
        label="External id"
        field="externalId"
        error={save.error}
        value={externalId}
        onValueChange={setExternalId}
        maxLength={200}
      />
      <Field label="Attributes" field="attributes" error={save.error} hint="A JSON object of names to values.">
        {(control) => (
          <textarea
            {...control}
            rows={4}
            className="json-input"
            value={attributes}
            onChange={(event) => setAttributes(event.target.value)}
          />
        )}
      </Field>
      {attributesError && (
        <p className="field-error" role="alert">
          {attributesError}
        </p>
      )}
      {save.error ? <ErrorNotice error={save.error} /> : null}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save contact'}
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ContactPage() {
  const { contactId = '' } = useParams();
  const { api } = useServices();
  const [isEditing, setIsEditing] = useState(false);
  const contact = useQuery({
    queryKey: supportKeys.contact(contactId),
    queryFn: () => api.get<Contact>(`/v1/contacts/${contactId}`),
  });
  if (contact.isPending) return <p className="muted state-text">Loading the contact…</p>;
  if (contact.isError) {
    return (
      <section className="stack">
        <h1>Contact</h1>
        <ErrorNotice error={contact.error} onRetry={() => void contact.refetch()} />
      </section>
    );
  }
  return (
    <section className="stack" aria-labelledby="contact-heading">
      <Link to={contactsPath}>← Contacts</Link>
      <div className="page-header">
        <h1 id="contact-heading">{contactLabel(contact.data)}</h1>
        {!isEditing && (
          <button type="button" onClick={() => setIsEditing(true)}>
            Edit
          </button>
        )}
      </div>
      {isEditing ? (
        <ContactForm key={contact.data.updatedAt} contact={contact.data} onDone={() => setIsEditing(false)} />
      ) : (
        <ContactFacts contact={contact.data} />
      )}
      <h2>Conversations</h2>
      <ContactConversations contactId={contact.data.id} />
    </section>
  );
}

function ContactsRoutes() {
  return (
    <RequireRole minimum="operator" otherwise={<p className="page muted state-text">Contacts are for operators.</p>}>
      <div className="page">
        <Routes>
          <Route index element={<ContactsPage />} />
          <Route path=":contactId" element={<ContactPage />} />
        </Routes>
      </div>
    </RequireRole>
  );
}

/** The people who wrote to the support desk, for operators and administrators. */
export const contactsArea: ConsoleArea = {
  id: 'contacts',
  title: 'Contacts',
  path: contactsPath,
  minimumRole: 'operator',
  element: <ContactsRoutes />,
};
