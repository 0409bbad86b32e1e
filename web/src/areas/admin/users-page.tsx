import { RowActions } from '../../ui/row-actions';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useServices, useSignedInSession } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { grantableRoles, roleLabels, rolesInOrder, type Role } from '../../ui/roles';
import { adminKeys, type TenantUser } from './admin-api';
import { UserCreateForm } from './user-create-form';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

type UserChange = { role: Role } | { disabled: boolean };

/** The tenant's users: add, change role, disable or enable, delete. The server decides what is allowed. */
export function UsersPage() {
  const { api } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const list = useCursorList<TenantUser>(adminKeys.users, '/v1/users', 50);
  const [isAdding, setIsAdding] = useState(false);
  const addButton = useRef<HTMLButtonElement>(null);
  /** Closes the form, focus back on "Add user" (which the form stood in for) rather than lost with it. */
  const closeForm = () => {
    setIsAdding(false);
    requestAnimationFrame(() => addButton.current?.focus());
  };
  const [notice, setNotice] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<TenantUser | null>(null);
  const ownRoles = grantableRoles(session.user.role);

  const change = useMutation({
    mutationFn: ({ user, changes }: { user: TenantUser; changes: UserChange }) =>
      api.patch<TenantUser>(`/v1/users/${user.id}`, changes),
    onMutate: () => setNotice(null),
    onSuccess: (user, { changes }) => {
      setNotice(
        'role' in changes
          ? `${user.email} is now ${roleLabels[user.role].toLowerCase()}.`
          : user.disabled
            ? `${user.email} is disabled, signed out everywhere, and their API keys are deleted.`
            : `${user.email} can sign in again; their old API keys stay deleted.`,
      );
    },
    // On failure too: the row shows what the server holds, not what was attempted.
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminKeys.users }),
  });

  const remove = useExclusiveMutation({
    mutationFn: (user: TenantUser) => api.delete(`/v1/users/${user.id}`),
    onSuccess: async (_nothing, user) => {
      setToDelete(null);
      setNotice(`${user.email} was deleted.`);
      await queryClient.invalidateQueries({ queryKey: adminKeys.users });
    },
  });

  const pendingUserId = change.isPending ? change.variables.user.id : null;

  return (
    <section className="stack" aria-labelledby="users-heading">
      <div className="row page-header">
        <h1 id="users-heading">Users</h1>
        <span className="spacer" />
        {!isAdding && (
          <button
            ref={addButton}
            type="button"
            className="primary"
            onClick={() => {
              // The last addition's notice would otherwise stand beside this one's outcome.
              setNotice(null);
              setIsAdding(true);
            }}
          >
            Add user
          </button>
        )}
      </div>
      <p className="muted intro">
        Everyone who can sign in to {session.tenant.name}, and what their role lets them do.
      </p>
      {isAdding && (
        <UserCreateForm
          onCancel={closeForm}
          onDone={(user) => {
            closeForm();
            setNotice(`${user.email} was added as ${roleLabels[user.role].toLowerCase()}.`);
          }}
        />
      )}
      {notice && (
        <p className="success-notice" role="status">
          {notice}
        </p>
      )}
      {change.error && <ErrorNotice error={change.error} />}
      <CursorListView list={list} loadingText="Loading users…" emptyText="No users yet.">
        {(users) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => {
                const isSelf = user.id === session.user.id;
                const isBusy = pendingUserId === user.id;
                // The server refuses any change to a user above one's own role, lowering one's own role,
                // and disabling or deleting oneself: such controls are not offered.
                const isManageable = ownRoles.includes(user.role);
                const roleOptions = isManageable ? ownRoles : [user.role];
                const isChoosable = (role: Role) =>
                  !isSelf || rolesInOrder.indexOf(role) >= rolesInOrder.indexOf(user.role);
                return (
                  <tr key={user.id}>
                    <th scope="row" data-label="Email" className="cell-title">
                      {user.email}
                      {isSelf && <span className="muted"> (you)</span>}
                    </th>
                    <td data-label="Name">{user.displayName ?? <span className="muted">—</span>}</td>
                    <td data-label="Role">
                      <select
                        aria-label={`Role of ${user.email}`}
                        value={user.role}
                        disabled={isBusy || !isManageable}
                        title={isManageable ? undefined : 'This role is above your own'}
                        onChange={(event) => change.mutate({ user, changes: { role: event.target.value as Role } })}
                      >
                        {roleOptions.map((role) => (
                          <option key={role} value={role} disabled={!isChoosable(role)}>
                            {roleLabels[role]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td data-label="Status">
                      <span className={user.disabled ? 'badge badge-warning' : 'badge badge-ok'}>
                        {user.disabled ? 'Disabled' : 'Active'}
                      </span>
                    </td>
                    <td data-label="Created">{formatDateTime(user.createdAt)}</td>
                    <td className="cell-actions">
                      {isManageable && !isSelf && (
                        <RowActions
                          name={user.email}
                          onDelete={() => {
                            remove.reset();
                            setToDelete(user);
                          }}
                        >
                          <button
                            type="button"
                            disabled={isBusy}
                            onClick={() => change.mutate({ user, changes: { disabled: !user.disabled } })}
                          >
                            {user.disabled ? 'Enable' : 'Disable'} <span className="visually-hidden">{user.email}</span>
                          </button>
                        </RowActions>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </CursorListView>
      {toDelete && (
        <ConfirmDialog
          title={`Delete user ${toDelete.email}?`}
          confirmLabel="Delete user"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Everything they own goes with them: their conversations, private agents and API keys. This cannot be undone;
          disabling them instead keeps it all.
        </ConfirmDialog>
      )}
    </section>
  );
}
