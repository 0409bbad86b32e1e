import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { supportBase, supportKeys, type SupportNote } from './support-api';

/** Operators' private notes on a conversation: kept apart from the messages, never sent to the contact. */
export function NotesPanel({ supportId }: { supportId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const headingId = useId();
  const [body, setBody] = useState('');
  const notes = useQuery({
    queryKey: supportKeys.notes(supportId),
    queryFn: () => api.get<{ items: SupportNote[] }>(`${supportBase}/${supportId}/notes`),
  });
  const add = useExclusiveMutation({
    mutationFn: (text: string) => api.post<SupportNote>(`${supportBase}/${supportId}/notes`, { body: text }),
    onSuccess: async () => {
      setBody('');
      await queryClient.invalidateQueries({ queryKey: supportKeys.notes(supportId) });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (body.trim()) add.mutate(body.trim());
  }

  return (
    <section className="stack notes-panel" aria-labelledby={headingId}>
      <h3 id={headingId}>Private notes</h3>
      <p className="muted">For your team only; never shown to the contact.</p>
      {notes.isPending ? (
        <p className="muted state-text">Loading notes…</p>
      ) : notes.isError ? (
        <ErrorNotice error={notes.error} onRetry={() => void notes.refetch()} />
      ) : notes.data.items.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ul className="note-list" aria-label="Notes">
          {notes.data.items.map((note) => (
            <li key={note.id} className="note">
              <p>{note.body}</p>
              <span className="muted">{formatDateTime(note.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <form className="stack" onSubmit={submit}>
        <label htmlFor={`${headingId}-body`}>New note</label>
        <textarea
          id={`${headingId}-body`}
          rows={2}
          value={body}
          maxLength={10_000}
          onChange={(event) => setBody(event.target.value)}
        />
        {add.error ? <ErrorNotice error={add.error} /> : null}
        <div className="row">
          <button type="submit" disabled={add.isPending || !body.trim()}>
            {add.isPending ? 'Adding…' : 'Add note'}
          </button>
        </div>
      </form>
    </section>
  );
}
