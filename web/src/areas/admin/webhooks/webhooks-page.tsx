import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../../app-context';
import { CursorListView, useCursorList } from '../../../ui/cursor-list';
import { ErrorNotice } from '../../../ui/error-notice';
import { TextField } from '../../../ui/field';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { EventTypePicker } from './event-type-picker';
import { WebhookSecretReveal } from './webhook-secret-reveal';
import {
  webhooksPath,
  webhooksQueryKey,
  type Webhook,
  type WebhookEventType,
  type WebhookWithSecret,
} from './webhooks-api';

/** The tenant's webhook endpoints: register one (its secret shown once), list them with their state. */
export function WebhooksPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const list = useCursorList<Webhook>(webhooksQueryKey, '/v1/webhooks', 50);
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState<WebhookEventType[]>(['message.created']);
  const [revealed, setRevealed] = useState<{ url: string; secret: string } | null>(null);

  const create = useExclusiveMutation({
    // The result holds the secret: once reset, the mutation cache drops it at once.
    gcTime: 0,
    mutationFn: () => api.post<WebhookWithSecret>('/v1/webhooks', { url: url.trim(), eventTypes }),
    onSuccess: async (created) => {
      setRevealed({ url: created.url, secret: created.secret });
      setUrl('');
      await queryClient.invalidateQueries({ queryKey: webhooksQueryKey });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section className="stack" aria-labelledby="webhooks-heading">
      <h1 id="webhooks-heading">Webhooks</h1>
      <p className="muted intro">
        Parley posts your tenant's events (new messages, conversations, contacts, documents) to these URLs, signed per
        Standard Webhooks. Failed deliveries are retried for about a day.
      </p>
      <form className="card stack form" onSubmit={submit} aria-labelledby="webhook-create-heading">
        <h2 id="webhook-create-heading">Add an endpoint</h2>
        <TextField
          label="URL"
          field="url"
          error={create.error}
          hint="https://… on your server. Addresses inside this server's network need OUTBOUND_ALLOW."
          value={url}
          onValueChange={setUrl}
          required
          maxLength={2048}
          type="url"
          autoComplete="off"
        />
        <EventTypePicker value={eventTypes} onChange={setEventTypes} error={create.error} />
        {create.error && <ErrorNotice error={create.error} />}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add endpoint'}
          </button>
        </div>
      </form>
      <CursorListView list={list} loadingText="Loading webhooks…" emptyText="No webhook endpoints yet.">
        {(webhooks) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {webhooks.map((webhook) => (
                <tr key={webhook.id}>
                  <th scope="row" data-label="URL" className="cell-title">
                    <Link to={`${webhooksPath}/${webhook.id}`}>{webhook.url}</Link>
                  </th>
                  <td data-label="Events">{webhook.eventTypes.join(', ')}</td>
                  <td data-label="State">
                    <WebhookState webhook={webhook} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
      {revealed && (
        <WebhookSecretReveal
          title={`Endpoint ${revealed.url} added`}
          secret={revealed.secret}
          onClose={() => {
            setRevealed(null);
            create.reset();
          }}
        />
      )}
    </section>
  );
}

/** Enabled, disabled by an admin, or disabled by the server with its reason. */
export function WebhookState({ webhook }: { webhook: Webhook }) {
  if (webhook.enabled) return <span className="badge badge-ok">Enabled</span>;
  if (webhook.disabledReason) {
    return (
      <span className="badge badge-danger" title={webhook.disabledReason}>
        Disabled: kept failing
      </span>
    );
  }
  return <span className="badge">Disabled</span>;
}
