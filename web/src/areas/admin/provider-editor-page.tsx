import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { adminKeys, type Provider } from './admin-api';
import { ProviderForm, type ProviderInput } from './provider-form';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

export const providersPath = '/admin/providers';

function ProviderEditor(props: { provider?: Provider }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { provider } = props;

  const save = useExclusiveMutation({
    mutationFn: (input: ProviderInput) =>
      provider
        ? api.patch<Provider>(`/v1/providers/${provider.id}`, input)
        : api.post<Provider>('/v1/providers', input),
    onSuccess: async () => {
      // The agents' model picker lists what providers offer, so it refreshes too.
      await queryClient.invalidateQueries({ queryKey: adminKeys.providers });
      await navigate(providersPath);
    },
  });

  return (
    <section className="stack" aria-labelledby="provider-editor-heading">
      <h1 id="provider-editor-heading">{provider ? `Edit provider ${provider.name}` : 'New provider'}</h1>
      <ProviderForm
        provider={provider}
        isBusy={save.isPending}
        error={save.error}
        onSubmit={(input) => save.mutate(input)}
        onCancel={() => void navigate(providersPath)}
      />
    </section>
  );
}

export function NewProviderPage() {
  return <ProviderEditor />;
}

export function EditProviderPage() {
  const { api } = useServices();
  const { providerId = '' } = useParams();
  const provider = useQuery({
    queryKey: adminKeys.provider(providerId),
    queryFn: () => api.get<Provider>(`/v1/providers/${encodeURIComponent(providerId)}`),
  });
  if (provider.isPending) return <p className="muted state-text">Loading the provider…</p>;
  if (provider.isError) {
    return (
      <section className="stack">
        <h1>Edit provider</h1>
        <ErrorNotice error={provider.error} onRetry={() => void provider.refetch()} />
      </section>
    );
  }
  return <ProviderEditor key={`${provider.data.id}-${provider.data.updatedAt}`} provider={provider.data} />;
}
