import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useServices } from '../../../app-context';
import { DeleteWithConfirm } from '../../../ui/delete-with-confirm';
import { ErrorNotice } from '../../../ui/error-notice';
import { formatDateTime } from '../../../ui/format';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { DeliveryLog } from './delivery-log';
import { EventTypePicker } from './event-type-picker';
import { WebhookSecretReveal } from './webhook-secret-reveal';
import {
  deliveriesQueryKey,
  webhookQueryKey,
  webhooksPath,
  webhooksQueryKey,
  type Webhook,
  type WebhookEventType,
  type WebhookWithSecret,
} from './webhooks-api';
import { WebhookState } from './webhooks-page';

/** One endpoint: its events, enabling, a test event, a new secret, deletion, and its delivery log. */
export function WebhookDetailPage() {
  const { webhookId = '' } = useParams();
  const { api } = useServices();
  const webhook = useQuery({
    queryKey: webhookQueryKey(webhookId),
    queryFn: () => api.get<Webhook>(`/v1/webhooks/${encodeURIComponent(webhookId)}`),
  });
  if (webhook.isPending) return <p className="muted state-text">Loading the endpoint…</p>;
  if (webhook.isError) return <ErrorNotice error={webhook.error} onRetry={() => void webhook.refetch()} />;
  // Keyed by the saved types, so the picker starts from them again after each save.
  return <WebhookDetail key={webhook.data.updatedAt} webhook={webhook.data} />;
}

function WebhookDetail({ webhook }: { webhook: Webhook }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [eventTypes, setEventTypes] = useState<WebhookEventType[]>(webhook.eventTypes);
  const [secret, setSecret] = useState<string | null>(null);
  const url = `/v1/webhooks/${webhook.id}`;
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: webhooksQueryKey });
  };

  const save = useExclusiveMutation({
    mutationFn: (changes: Partial<Pick<Webhook, 'eventTypes' | 'enabled'>>) => api.patch<Webhook>(url, changes),
    onSuccess: refresh,
  });
  const sendTest = useExclusiveMutation({
    mutationFn: () => api.post(`${url}/test`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deliveriesQueryKey(webhook.id) }),
  });
  const rotate = useExclusiveMutation({
    gcTime: 0,
    mutationFn: () => api.post<WebhookWithSecret>(`${url}/secret`, {}),
    onSuccess: async (rotated) => {
      setSecret(rotated.secret);
      await refresh();
    },
  });
  const hasTypeChanges = eventTypes.join() !== webhook.eventTypes.join();

  return (
    <section className="stack" aria-labelledby="webhook-heading">
      <p>
        <Link to={webhooksPath}>← Webhooks</Link>
      </p>
      <h1 id="webhook-heading" className="cell-title">
        {webhook.url}
      </h1>
      <div className="row">
        <WebhookState webhook={webhook} />
        <span className="muted">Secret last replaced {formatDateTime(webhook.secretRotatedAt)}</span>
      </div>
      {webhook.disabledReason && (
        <p className="error-notice" role="note">
          {webhook.disabledReason}
        </p>
      )}
      <div className="row">
        <button type="button" disabled={save.isPending} onClick={() => save.mutate({ enabled: !webhook.enabled })}>
          {webhook.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" disabled={sendTest.isPending} onClick={() => sendTest.mutate()}>
          {sendTest.isPending ? 'Sending…' : 'Send test event'}
        </button>
        <button type="button" disabled={rotate.isPending} onClick={() => rotate.mutate()}>
          Replace secret
        </button>
        <span className="spacer" />
        <DeleteWithConfirm
          title={`Delete the endpoint ${webhook.url}?`}
          confirmLabel="Delete endpoint"
          onDelete={() => api.delete(url)}
          onDeleted={async () => {
            await refresh();
            await navigate(webhooksPath);
          }}
        >
          It receives no more events, and its delivery log goes with it.
        </DeleteWithConfirm>
      </div>
      {sendTest.isSuccess && <p role="status">Test event queued: see the log below.</p>}
      {[sendTest.error, rotate.error].map((error, index) => error && <ErrorNotice key={index} error={error} />)}
      <form
        className="card stack form"
        aria-label="Events"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate({ eventTypes });
        }}
      >
        <EventTypePicker value={eventTypes} onChange={setEventTypes} error={save.error} />
        {save.error && <ErrorNotice error={save.error} />}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={!hasTypeChanges || save.isPending}>
            Save events
          </button>
        </div>
      </form>
      <DeliveryLog webhookId={webhook.id} />
      {secret && (
        <WebhookSecretReveal
          title="New signing secret"
          secret={secret}
          onClose={() => {
            setSecret(null);
            rotate.reset();
          }}
        />
      )}
    </section>
  );
}
