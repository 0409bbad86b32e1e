import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { grantableRoles, roleLabels, type Role } from '../../ui/roles';
import { apiKeysQueryKey, type ApiKey, type CreatedApiKey } from './api-keys-api';
import { ApiKeyReveal } from './api-key-reveal';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** API keys: create (shown once), list without secrets, delete; the tenant's for admins, one's own for others. */
export function ApiKeysPage() {
  const { api } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const list = useCursorList<ApiKey>(apiKeysQueryKey, '/v1/api-keys', 50);
  const [name, setName] = useState('');
  // The least a key can do: an admin in a hurry should not hand a bot their own powers by default.
  const [role, setRole] = useState<Role>('member');
  const [revealed, setRevealed] = useState<{ name: string; key: string } | null>(null);
  const [toDelete, setToDelete] = useState<ApiKey | null>(null);

  const create = useExclusiveMutation({
    // The result holds the key: once reset, the mutation cache drops it at once rather than in minutes.
    gcTime: 0,
    mutationFn: () => api.post<CreatedApiKey>('/v1/api-keys', { name: name.trim(), role }),
    onSuccess: async (created) => {
      setRevealed({ name: created.name, key: created.key });
      setName('');
      // The list is read again from the server, whose list never carries the key.
      await queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
    },
  });

  const remove = useExclusiveMutation({
    mutationFn: (key: ApiKey) => api.delete(`/v1/api-keys/${key.id}`),
    onSuccess: async () => {
      setToDelete(null);
      await queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  function closeReveal() {
    setRevealed(null);
    // The mutation's result holds the key too; forget it.
    create.reset();
  }

  return (
    <section className="stack" aria-labelledby="api-keys-heading">
      <h1 id="api-keys-heading">API keys</h1>
      <p className="muted intro">
        Programs use an API key instead of signing in, sent as <code>Authorization: Bearer &lt;key&gt;</code>. A key
        acts with the role it was given.{' '}
        {hasRoleAtLeast(session.user.role, 'tenant_admin')
          ? 'These are all the keys of your tenant.'
          : 'These are your own keys.'}
      </p>
      <form className="card stack form" onSubmit={submit} aria-labelledby="api-key-create-heading">
        <h2 id="api-key-create-heading">Create an API key</h2>
        <div className="field-row">
          <TextField
            label="Name"
            field="name"
            error={create.error}
            hint="Says where it is used, e.g. “CI bot”."
            value={name}
            onValueChange={setName}
            required
            maxLength={100}
            autoComplete="off"
          />
          <Field label="Role" field="role" error={create.error} hint="At most your own role.">
            {(control) => (
              <select {...control} value={role} onChange={(event) => setRole(event.target.value as Role)}>
                {grantableRoles(session.user.role).map((option) => (
                  <option key={option} value={option}>
                    {roleLabels[option]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {create.error && <ErrorNotice error={create.error} />}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
      <CursorListView list={list} loadingText="Loading API keys…" emptyText="No API keys yet.">
        {(keys) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <th scope="row" data-label="Name" className="cell-title">
                    {key.name}
                  </th>
                  <td data-label="Prefix">
                    <code>{key.prefix}…</code>
                  </td>
                  <td data-label="Role">{roleLabels[key.role]}</td>
                  <td data-label="Created">{formatDateTime(key.createdAt)}</td>
                  <td data-label="Last used">{formatDateTime(key.lastUsedAt, 'Never')}</td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        remove.reset();
                        setToDelete(key);
                      }}
                    >
                      Delete <span className="visually-hidden">{key.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
      {revealed && <ApiKeyReveal name={revealed.name} apiKey={revealed.key} onClose={closeReveal} />}
      {toDelete && (
        <ConfirmDialog
          title={`Delete API key ${toDelete.name}?`}
          confirmLabel="Delete key"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Programs using it are refused from now on. This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
