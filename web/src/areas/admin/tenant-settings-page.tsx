import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field } from '../../ui/field';
import { StatusNote } from '../../ui/status-note';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { useModelChoices } from '../agents/agents-api';
import { MailDomainsCard } from './mail-domains-card';

/** What GET /v1/tenants/:id/settings answers. */
export interface TenantSettings {
  tenantId: string;
  utilityModel: string | null;
}

const settingsKey = (tenantId: string) => ['tenants', 'settings', tenantId] as const;
const agentsOwnModel = '';

/**
 * The tenant's settings: its utility model, the model the companion features call (summaries, memory,
 * personality suggestions) for agents that name none of their own (docs/companion.md), and the mail
 * domains its email inboxes may use.
 */
export function TenantSettingsPage() {
  const { api } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const tenantId = session.user.tenantId;
  const path = `/v1/tenants/${encodeURIComponent(tenantId)}/settings`;
  const settings = useQuery({ queryKey: settingsKey(tenantId), queryFn: () => api.get<TenantSettings>(path) });
  const models = useModelChoices();
  const [utilityModel, setUtilityModel] = useState(agentsOwnModel);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (settings.data) setUtilityModel(settings.data.utilityModel ?? agentsOwnModel);
  }, [settings.data]);

  const save = useExclusiveMutation({
    mutationFn: () => api.patch<TenantSettings>(path, { utilityModel: utilityModel || null }),
    onMutate: () => setNotice(null),
    onSuccess: (saved) => {
      queryClient.setQueryData(settingsKey(tenantId), saved);
      setNotice('Saved.');
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  if (settings.isError) return <ErrorNotice error={settings.error} onRetry={() => void settings.refetch()} />;
  if (settings.isPending) return <p className="muted state-text">Loading settings…</p>;
  const choices = [...new Set(['offline', ...(models.data?.models ?? []), settings.data.utilityModel ?? 'offline'])];
  return (
    <section className="stack" aria-labelledby="tenant-settings-heading">
      <h1 id="tenant-settings-heading">Settings</h1>
      <form className="card stack form" onSubmit={submit}>
        <Field
          label="Utility model"
          field="utilityModel"
          error={save.error}
          hint="Summaries, memory and personality suggestions call it, unless an agent names its own utility model."
        >
          {(control) => (
            <select {...control} value={utilityModel} onChange={(event) => setUtilityModel(event.target.value)}>
              <option value={agentsOwnModel}>Each agent’s own model</option>
              {choices.map((model) => (
                <option key={model} value={model}>
                  {model === 'offline' ? 'offline (built-in, no provider)' : model}
                </option>
              ))}
            </select>
          )}
        </Field>
        {save.isError && <ErrorNotice error={save.error} />}
        <div>
          <button type="submit" disabled={save.isPending}>
            Save
          </button>
          <StatusNote text={notice} />
        </div>
      </form>
      <MailDomainsCard tenantId={tenantId} />
    </section>
  );
}
