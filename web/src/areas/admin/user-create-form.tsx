import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { grantableRoles, roleLabels, type Role } from '../../ui/roles';
import { adminKeys, type TenantUser } from './admin-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** Adds a user to the tenant with an initial password the administrator hands over. */
export function UserCreateForm(props: { onDone: (user: TenantUser) => void; onCancel: () => void }) {
  const { api } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [password, setPassword] = useState('');

  const create = useExclusiveMutation({
    mutationFn: () =>
      api.post<TenantUser>('/v1/users', {
        email: email.trim(),
        password,
        role,
        ...(displayName.trim() && { displayName: displayName.trim() }),
      }),
    onSuccess: async (user) => {
      await queryClient.invalidateQueries({ queryKey: adminKeys.users });
      props.onDone(user);
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby="user-create-heading">
      <h2 id="user-create-heading">Add a user</h2>
      <div className="field-row">
        <TextField
          label="Email"
          field="email"
          error={create.error}
          value={email}
          onValueChange={setEmail}
          type="email"
          required
          maxLength={254}
          autoComplete="off"
          // The form replaces the "Add user" button that had focus: focus goes on into it.
          autoFocus
        />
        <TextField
          label="Name"
          field="displayName"
          error={create.error}
          hint="Optional."
          value={displayName}
          onValueChange={setDisplayName}
          maxLength={100}
          autoComplete="off"
        />
      </div>
      <div className="field-row">
        <Field label="Role" field="role" error={create.error}>
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
        <Field
          label="Initial password"
          field="password"
          error={create.error}
          hint="At least 8 characters; give it to them privately."
        >
          {(control) => (
            <input
              {...control}
              type="password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
              minLength={8}
              maxLength={256}
              autoComplete="new-password"
            />
          )}
        </Field>
      </div>
      {create.error && <ErrorNotice error={create.error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add user'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
