import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, renderArea } from '../../ui/test-harness';
import { inboxSettingsArea } from './inbox-settings-area';
import type { RoutingRule } from './routing-rules-api';

afterEach(cleanup);

const inboxId = '5a5a5a5a-0000-4000-8000-000000000001';
const teamId = '7c7c7c7c-0000-4000-8000-000000000001';
const rule = (id: string, name: string, position: number): RoutingRule => ({
  id,
  name,
  position,
  trigger: 'created',
  conditions: [],
  actions: [{ type: 'set_priority', priority: 'high' }],
  isEnabled: true,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
});

function rulesServer() {
  let rules: RoutingRule[] = [
    rule('11111111-0000-4000-8000-000000000001', 'VIPs first', 0),
    rule('11111111-0000-4000-8000-000000000002', 'Night shift', 1),
  ];
  return fakeApi({
    'GET /v1/routing-rules': () => Response.json({ items: rules }),
    'POST /v1/routing-rules': () =>
      Response.json(rule('11111111-0000-4000-8000-000000000003', 'New', 2), { status: 201 }),
    'PUT /v1/routing-rules/order': () => {
      rules = [...rules].reverse();
      return Response.json({ items: rules });
    },
    'PATCH /v1/routing-rules/:id': () => Response.json(rules[0]),
    'POST /v1/routing-rules/dry-run': () =>
      Response.json({
        looked: 12,
        matches: [
          {
            supportConversationId: '99999999-0000-4000-8000-000000000001',
            status: 'pending',
            inboxId,
            wouldDo: [`assign team ${teamId}`, "add label 'billing'"],
          },
        ],
      }),
    'GET /v1/inboxes': () =>
      Response.json({ items: [{ id: inboxId, name: 'Website', kind: 'widget' }], nextCursor: null }),
    'GET /v1/teams': () => Response.json({ items: [{ id: teamId, name: 'Billing', members: [] }] }),
    'GET /v1/operators': () => Response.json({ items: [] }),
    'GET /v1/canned-responses': () => Response.json({ items: [] }),
  });
}

const open = (server: ReturnType<typeof fakeApi>) =>
  renderArea(inboxSettingsArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/inbox-settings',
    path: '/inbox-settings/rules',
  });

describe('Routing rules page', () => {
  it('builds a rule from form rows, dry-runs it, and creates it without any JSON typed', async () => {
    const server = rulesServer();
    await open(server);
    fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    fireEvent.change(screen.getByLabelText('Rule name'), { target: { value: 'Invoices to Billing' } });
    fireEvent.change(screen.getByLabelText('When'), { target: { value: 'contact_message' } });
    fireEvent.change(screen.getByLabelText('New condition'), { target: { value: 'text_contains' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add condition' }));
    fireEvent.change(screen.getByLabelText('Condition 1: Message contains any of'), {
      target: { value: 'invoice, refund' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add action' }));
    await screen.findByRole('option', { name: 'Billing' });
    fireEvent.change(screen.getByLabelText('Action 1: Assign team'), { target: { value: teamId } });
    fireEvent.change(screen.getByLabelText('New action'), { target: { value: 'add_label' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add action' }));
    fireEvent.change(screen.getByLabelText('Action 2: Add label'), { target: { value: 'billing' } });

    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    const result = await screen.findByRole('region', { name: 'Dry run' });
    expect(result.textContent).toContain('1 of the 12 most recent conversations would match. Nothing was changed.');
    expect(result.textContent).toContain("add label 'billing'");

    fireEvent.click(screen.getByRole('button', { name: 'Create rule' }));
    await waitFor(() => expect(server.callsTo('POST', '/v1/routing-rules')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/routing-rules')[0]?.body).toEqual({
      name: 'Invoices to Billing',
      trigger: 'contact_message',
      conditions: [{ type: 'text_contains', words: ['invoice', 'refund'] }],
      actions: [
        { type: 'assign_team', teamId },
        { type: 'add_label', label: 'billing' },
      ],
      isEnabled: true,
    });
  });

  it('moves a rule down in the order and switches one off', async () => {
    const server = rulesServer();
    await open(server);
    const list = await screen.findByRole('list', { name: 'Rules in order' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((item) => item.querySelector('strong')?.textContent),
    ).toEqual(['VIPs first', 'Night shift']);
    expect(screen.getByRole('button', { name: 'Move VIPs first up' })).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('button', { name: 'Move VIPs first down' }));
    await waitFor(() => expect(server.callsTo('PUT', '/v1/routing-rules/order')).toHaveLength(1));
    expect(server.callsTo('PUT', '/v1/routing-rules/order')[0]?.body).toEqual({
      ruleIds: ['11111111-0000-4000-8000-000000000002', '11111111-0000-4000-8000-000000000001'],
    });
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Night shift enabled' }));
    await waitFor(() =>
      expect(server.callsTo('PATCH', '/v1/routing-rules/11111111-0000-4000-8000-000000000002')).toHaveLength(1),
    );
    expect(server.callsTo('PATCH', '/v1/routing-rules/11111111-0000-4000-8000-000000000002')[0]?.body).toEqual({
      isEnabled: false,
    });
  });
});
