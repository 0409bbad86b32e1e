import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { Dialog } from '../../ui/dialog';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { supportKeys, type CannedResponse } from '../inbox/support-api';

/** Shortcode and text, for creating one or changing one. */
function CannedResponseFields(props: {
  shortcode: string;
  content: string;
  onShortcode: (value: string) => void;
  onContent: (value: string) => void;
  error: unknown;
}) {
  return (
    <>
      <TextField
        label="Shortcode"
        field="shortcode"
        error={props.error}
        hint="Operators type /shortcode in a reply to insert the text."
        value={props.shortcode}
        onValueChange={props.onShortcode}
        required
        maxLength={32}
        autoComplete="off"
      />
      <Field label="Text" field="content" error={props.error}>
        {(control) => (
          <textarea
            {...control}
            rows={3}
            maxLength={5000}
            required
            value={props.content}
            onChange={(event) => props.onContent(event.target.value)}
          />
        )}
      </Field>
    </>
  );
}

/** The answers operators reuse, inserted by typing `/shortcode` in the reply box. */
export function CannedResponsesPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: supportKeys.cannedResponses,
    queryFn: () => api.get<{ items: CannedResponse[] }>('/v1/canned-responses'),
  });
  const [shortcode, setShortcode] = useState('');
  const [content, setContent] = useState('');
  const [editing, setEditing] = useState<CannedResponse | null>(null);
  const [toDelete, setToDelete] = useState<CannedResponse | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: supportKeys.cannedResponses });

  const create = useExclusiveMutation({
    mutationFn: () => api.post<CannedResponse>('/v1/canned-responses', { shortcode: shortcode.trim(), content }),
    onSuccess: async () => {
      setShortcode('');
      setContent('');
      await refresh();
    },
  });
  const update = useExclusiveMutation({
    mutationFn: (changed: CannedResponse) =>
      api.patch<CannedResponse>(`/v1/canned-responses/${changed.id}`, {
        shortcode: changed.shortcode.trim(),
        content: changed.content,
      }),
    onSuccess: async () => {
      setEditing(null);
      await refresh();
    },
  });
  const remove = useExclusiveMutation({
    mutationFn: (response: CannedResponse) => api.delete(`/v1/canned-responses/${response.id}`),
    onSuccess: async () => {
      setToDelete(null);
      await refresh();
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section className="stack" aria-labelledby="canned-heading">
      <h1 id="canned-heading">Canned responses</h1>
      <form className="card stack form" onSubmit={submit} aria-labelledby="canned-create-heading">
        <h2 id="canned-create-heading">New canned response</h2>
        <CannedResponseFields
          shortcode={shortcode}
          content={content}
          onShortcode={setShortcode}
          onContent={setContent}
          error={create.error}
        />
        {create.error ? <ErrorNotice error={create.error} /> : null}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add canned response'}
          </button>
        </div>
      </form>
      {list.isPending ? (
        <p className="muted state-text">Loading canned responses…</p>
      ) : list.isError ? (
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <p className="muted state-text">No canned responses yet.</p>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Shortcode</th>
              <th scope="col">Text</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((response) => (
              <tr key={response.id}>
                <th scope="row" className="cell-title">
                  <code>/{response.shortcode}</code>
                </th>
                <td data-label="Text" className="cell-excerpt">
                  {response.content}
                </td>
                <td className="cell-actions">
                  <div className="row">
                    <button type="button" onClick={() => (update.reset(), setEditing(response))}>
                      Edit <span className="visually-hidden">/{response.shortcode}</span>
                    </button>
                    <button type="button" className="danger" onClick={() => (remove.reset(), setToDelete(response))}>
                      Delete <span className="visually-hidden">/{response.shortcode}</span>
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <Dialog title={`Edit /${editing.shortcode}`} onClose={() => setEditing(null)}>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              update.mutate(editing);
            }}
          >
            <CannedResponseFields
              shortcode={editing.shortcode}
              content={editing.content}
              onShortcode={(value) => setEditing({ ...editing, shortcode: value })}
              onContent={(value) => setEditing({ ...editing, content: value })}
              error={update.error}
            />
            {update.error ? <ErrorNotice error={update.error} /> : null}
            <div className="row dialog-actions">
              <button type="button" onClick={() => setEditing(null)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={update.isPending}>
                Save
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {toDelete && (
        <ConfirmDialog
          title={`Delete /${toDelete.shortcode}?`}
          confirmLabel="Delete"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Operators can no longer insert it. This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
