import { useQueryClient } from '@tanstack/react-query';
import { useServices } from '../../../app-context';
import { CursorListView, useCursorList } from '../../../ui/cursor-list';
import { ErrorNotice } from '../../../ui/error-notice';
import { formatDateTime } from '../../../ui/format';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { deliveriesQueryKey, type WebhookDelivery } from './webhooks-api';

const statusBadges: Record<WebhookDelivery['status'], string> = {
  pending: 'badge badge-warning',
  delivering: 'badge badge-warning',
  succeeded: 'badge badge-ok',
  failed: 'badge badge-danger',
};

/** The endpoint's deliveries, newest first, re-read while some are still being tried; finished ones can be sent again. */
export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const queryKey = deliveriesQueryKey(webhookId);
  const list = useCursorList<WebhookDelivery>(queryKey, `/v1/webhooks/${webhookId}/deliveries`, 50, {
    pollEveryMs: (items) =>
      items.some((item) => item.status === 'pending' || item.status === 'delivering') ? 2000 : false,
  });
  const redeliver = useExclusiveMutation({
    mutationFn: (delivery: WebhookDelivery) =>
      api.post(`/v1/webhooks/${webhookId}/deliveries/${delivery.id}/redeliver`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey }),
  });

  return (
    <section className="stack" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      {redeliver.error && <ErrorNotice error={redeliver.error} />}
      <CursorListView list={list} loadingText="Loading deliveries…" emptyText="Nothing delivered yet.">
        {(deliveries) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Answer</th>
                <th scope="col">Last attempt</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row" data-label="Event">
                    <code>{delivery.eventType}</code>
                  </th>
                  <td data-label="Status">
                    <span className={statusBadges[delivery.status]}>{delivery.status}</span>
                  </td>
                  <td data-label="Attempts">{delivery.attempts}</td>
                  <td data-label="Answer">
                    {delivery.responseStatus !== null && <strong>{delivery.responseStatus} </strong>}
                    {delivery.durationMs !== null && <span className="muted">{delivery.durationMs} ms </span>}
                    {delivery.error && <span>{delivery.error} </span>}
                    {delivery.responseExcerpt && <code>{delivery.responseExcerpt}</code>}
                  </td>
                  <td data-label="Last attempt">
                    {formatDateTime(delivery.lastAttemptAt, 'Not yet')}
                    {delivery.nextAttemptAt && (
                      <span className="muted"> · next {formatDateTime(delivery.nextAttemptAt)}</span>
                    )}
                  </td>
                  <td className="cell-actions">
                    {(delivery.status === 'succeeded' || delivery.status === 'failed') && (
                      <button type="button" disabled={redeliver.isPending} onClick={() => redeliver.mutate(delivery)}>
                        Redeliver <span className="visually-hidden">{delivery.eventType}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
    </section>
  );
}
