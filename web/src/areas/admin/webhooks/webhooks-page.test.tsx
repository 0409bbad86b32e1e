import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../../ui/test-harness';
import { administrationArea } from '../admin-area';
import type { Webhook, WebhookDelivery } from './webhooks-api';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const webhook: Webhook = {
  id: '0193a4c2-7f3e-7c1a-9d2b-5e8f1a2b3c4d',
  url: 'https://crm.example/hooks',
  description: '',
  eventTypes: ['message.created'],
  enabled: true,
  disabledReason: null,
  secretRotatedAt: '2026-11-26T00:00:00.000Z',
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
};
const failedDelivery: WebhookDelivery = {
  id: '0193a4c2-7f3e-7c1a-9d2b-000000000001',
  webhookId: webhook.id,
  eventId: '0193a4c2-7f3e-7c1a-9d2b-000000000002',
  eventType: 'message.created',
  status: 'failed',
  attempts: 8,
  responseStatus: 503,
  durationMs: 41,
  responseExcerpt: 'maintenance',
  error: 'The receiver answered 503',
  nextAttemptAt: null,
  lastAttemptAt: '2026-11-26T01:00:00.000Z',
  createdAt: '2026-11-25T01:00:00.000Z',
};

const writeText = vi.fn((_text: string) => Promise.resolve());
beforeEach(() => {
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});
afterEach(cleanup);

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(administrationArea.element, { fetchImpl: server.fetchImpl, areaPath: '/admin', path });

describe('webhooks in the console', () => {
  it('adds an endpoint with the events chosen, shows its secret once with a copy button, and lists it without it', async () => {
    let webhooks: Webhook[] = [];
    const server = fakeApi({
      'GET /v1/webhooks': () => pageOf(webhooks),
      'POST /v1/webhooks': () => {
        webhooks = [{ ...webhook, eventTypes: ['message.created', 'contact.created'] }];
        return Response.json({ ...webhooks[0], secret }, { status: 201 });
      },
    });
    await open(server, '/admin/webhooks');
    expect(await screen.findByText('No webhook endpoints yet.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^URL/), { target: { value: ' https://crm.example/hooks ' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'contact.created' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add endpoint' }));

    const dialog = await screen.findByRole('dialog', { name: 'Endpoint https://crm.example/hooks added' });
    expect(dialog.textContent).toContain("won't be shown again");
    expect(screen.getByLabelText<HTMLTextAreaElement>('Signing secret').value).toBe(secret);
    expect(server.callsTo('POST', '/v1/webhooks')[0]?.body).toEqual({
      url: 'https://crm.example/hooks',
      eventTypes: ['message.created', 'contact.created'],
    });
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(secret));
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    const row = (await screen.findByRole('link', { name: 'https://crm.example/hooks' })).closest('tr')!;
    expect(within(row).getByText('Enabled')).toBeTruthy();
    expect(document.body.textContent).not.toContain(secret);
  });

  it('names a field the server refused, and keeps what was typed', async () => {
    const server = fakeApi({
      'GET /v1/webhooks': () => pageOf([]),
      'POST /v1/webhooks': () =>
        problem(
          400,
          'validation_failed',
          '10.0.0.5 is a private address; an administrator can allow it with OUTBOUND_ALLOW',
          [{ field: 'url', message: 'is a private address' }],
        ),
    });
    await open(server, '/admin/webhooks');
    fireEvent.change(await screen.findByLabelText(/^URL/), { target: { value: 'http://10.0.0.5/hooks' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add endpoint' }));
    expect(await screen.findByText(/OUTBOUND_ALLOW/)).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>(/^URL/).value).toBe('http://10.0.0.5/hooks');
  });

  it('shows why the server disabled an endpoint, and enables it again', async () => {
    let current: Webhook = {
      ...webhook,
      enabled: false,
      disabledReason: 'Disabled after 10 events in a row could not be delivered; the last: The receiver answered 503',
    };
    const server = fakeApi({
      'GET /v1/webhooks/:id': () => Response.json(current),
      'GET /v1/webhooks/:id/deliveries': () => pageOf([]),
      'PATCH /v1/webhooks/:id': () => {
        current = { ...current, enabled: true, disabledReason: null, updatedAt: '2026-11-26T02:00:00.000Z' };
        return Response.json(current);
      },
      'GET /v1/webhooks': () => pageOf([current]),
    });
    await open(server, `/admin/webhooks/${webhook.id}`);
    expect(await screen.findByText(/10 events in a row could not be delivered/)).toBeTruthy();
    expect(screen.getByText('Disabled: kept failing')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Enable' }));
    await waitFor(() =>
      expect(server.callsTo('PATCH', `/v1/webhooks/${webhook.id}`)[0]?.body).toEqual({ enabled: true }),
    );
  });

  it('saves changed event types, sends a test event, and redelivers a failed delivery from the log', async () => {
    const server = fakeApi({
      'GET /v1/webhooks/:id': () => Response.json(webhook),
      'GET /v1/webhooks/:id/deliveries': () => pageOf([failedDelivery]),
      'PATCH /v1/webhooks/:id': () => Response.json({ ...webhook, eventTypes: ['message.created', 'document.ready'] }),
      'POST /v1/webhooks/:id/test': () => Response.json({ ...failedDelivery, status: 'pending' }, { status: 202 }),
      'POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver': () =>
        Response.json({ ...failedDelivery, status: 'pending' }, { status: 202 }),
      'GET /v1/webhooks': () => pageOf([webhook]),
    });
    await open(server, `/admin/webhooks/${webhook.id}`);
    const row = (await screen.findByText('maintenance', { exact: false })).closest('tr')!;
    expect(within(row).getByText('503')).toBeTruthy();
    expect(within(row).getByText('failed')).toBeTruthy();

    const save = screen.getByRole('button', { name: 'Save events' });
    expect(save).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'document.ready' }));
    fireEvent.click(save);
    await waitFor(() =>
      expect(server.callsTo('PATCH', `/v1/webhooks/${webhook.id}`)[0]?.body).toEqual({
        eventTypes: ['message.created', 'document.ready'],
      }),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Send test event' }));
    expect(await screen.findByText('Test event queued: see the log below.')).toBeTruthy();

    fireEvent.click(within(row).getByRole('button', { name: /Redeliver/ }));
    await waitFor(() =>
      expect(
        server.callsTo('POST', `/v1/webhooks/${webhook.id}/deliveries/${failedDelivery.id}/redeliver`),
      ).toHaveLength(1),
    );
  });
});
