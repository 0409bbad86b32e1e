import { RowActions } from '../../ui/row-actions';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { adminKeys, type Provider } from './admin-api';
import { hasUsualModels, providerKindLabel } from './provider-form';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** The tenant's own model providers; the server's providers (from its environment) are not listed here. */
export function ProvidersPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const list = useCursorList<Provider>(adminKeys.providerList, '/v1/providers', 50);
  const [toDelete, setToDelete] = useState<Provider | null>(null);

  const remove = useExclusiveMutation({
    mutationFn: (provider: Provider) => api.delete(`/v1/providers/${provider.id}`),
    onSuccess: async () => {
      setToDelete(null);
      await queryClient.invalidateQueries({ queryKey: adminKeys.providers });
    },
  });

  return (
    <section className="stack" aria-labelledby="providers-heading">
      <div className="row page-header">
        <h1 id="providers-heading">Providers</h1>
        <span className="spacer" />
        <Link className="button primary" to="new">
          New provider
        </Link>
      </div>
      <p className="muted intro">
        Model providers of this tenant, in addition to those the server is configured with. Their API keys are stored
        encrypted and never shown again.
      </p>
      <CursorListView
        list={list}
        loadingText="Loading providers…"
        emptyText="No providers of this tenant yet. Agents use the server's providers, or the built-in offline model."
      >
        {(providers) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Base URL</th>
                <th scope="col">API key</th>
                <th scope="col">Models</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {providers.map((provider) => (
                <tr key={provider.id}>
                  <th scope="row" data-label="Name" className="cell-title">
                    <code>{provider.name}</code>
                  </th>
                  <td data-label="Kind">{providerKindLabel(provider.kind)}</td>
                  <td data-label="Base URL" className="cell-break">
                    {provider.baseUrl ?? <span className="muted">default</span>}
                  </td>
                  <td data-label="API key">
                    <span className={provider.hasApiKey ? 'badge badge-ok' : 'badge'}>
                      {provider.hasApiKey ? 'Stored' : 'None'}
                    </span>
                  </td>
                  <td data-label="Models" className="cell-break">
                    {provider.models.length ? (
                      provider.models.join(', ')
                    ) : hasUsualModels(provider.kind) ? (
                      <span className="muted">usual ones</span>
                    ) : (
                      <span className="badge badge-warning">none: agents cannot pick it</span>
                    )}
                  </td>
                  <td className="cell-actions">
                    <RowActions
                      name={provider.name}
                      editTo={provider.id}
                      onDelete={() => {
                        remove.reset();
                        setToDelete(provider);
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
      {toDelete && (
        <ConfirmDialog
          title={`Delete provider ${toDelete.name}?`}
          confirmLabel="Delete provider"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Agents using its models (<code>{toDelete.name}:…</code>) can no longer answer, unless the server has a
          provider of the same name. Its stored API key is deleted with it.
        </ConfirmDialog>
      )}
    </section>
  );
}
