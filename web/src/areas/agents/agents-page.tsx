import { RowActions } from '../../ui/row-actions';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { excerpt } from '../../ui/format';
import { agentKeys, type Agent } from './agents-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** The agents the person can use, with edit and delete where they may change them. */
export function AgentsPage() {
  const { api } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const list = useCursorList<Agent>(agentKeys.list, '/v1/agents', 50);
  const [toDelete, setToDelete] = useState<Agent | null>(null);
  const isAdmin = hasRoleAtLeast(session.user.role, 'tenant_admin');
  const canModify = (agent: Agent) => isAdmin || agent.ownerId === session.user.id;

  const remove = useExclusiveMutation({
    mutationFn: (agent: Agent) => api.delete(`/v1/agents/${agent.id}`),
    onSuccess: async () => {
      setToDelete(null);
      await queryClient.invalidateQueries({ queryKey: agentKeys.all });
    },
  });

  return (
    <section className="page" aria-labelledby="agents-heading">
      <div className="row page-header">
        <h1 id="agents-heading">Agents</h1>
        <span className="spacer" />
        <Link className="button primary" to="new">
          New agent
        </Link>
      </div>
      <p className="muted intro">
        An agent is a personality and a model.{' '}
        {isAdmin
          ? 'You see every agent of the tenant.'
          : 'You see the agents shared with everyone and your private ones.'}
      </p>
      <CursorListView
        list={list}
        loadingText="Loading agents…"
        emptyText="No agents yet. Create one to give conversations a personality and a model."
      >
        {(agents) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Model</th>
                <th scope="col">Visibility</th>
                <th scope="col">Personality</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {agents.map((agent) => (
                <tr key={agent.id}>
                  <th scope="row" data-label="Name" className="cell-title">
                    {agent.name}
                  </th>
                  <td data-label="Model">
                    <code>{agent.model}</code>
                  </td>
                  <td data-label="Visibility">
                    <span className="badge">{agent.visibility === 'tenant' ? 'Tenant-wide' : 'Private'}</span>
                  </td>
                  <td data-label="Personality" className="cell-excerpt">
                    {agent.instructions === undefined ? (
                      <span className="muted">Shown to its editors only</span>
                    ) : agent.instructions.trim() ? (
                      excerpt(agent.instructions)
                    ) : (
                      <span className="muted">None</span>
                    )}
                  </td>
                  <td className="cell-actions">
                    <Link to={`${agent.id}/memories`} aria-label={`Memories: what ${agent.name} remembers about you`}>
                      Memories
                    </Link>{' '}
                    {canModify(agent) && (
                      <RowActions
                        name={agent.name}
                        editTo={agent.id}
                        onDelete={() => {
                          remove.reset();
                          setToDelete(agent);
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
      {toDelete && (
        <ConfirmDialog
          title={`Delete agent ${toDelete.name}?`}
          confirmLabel="Delete agent"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Conversations with it are kept but lose their agent. This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
