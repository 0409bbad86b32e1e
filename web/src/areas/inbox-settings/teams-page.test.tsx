import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, problem, renderArea } from '../../ui/test-harness';
import { inboxSettingsArea } from './inbox-settings-area';
import type { Team } from './teams-api';

afterEach(cleanup);

const operatorId = '7c7c7c7c-0000-4000-8000-000000000001';
const teamId = '8d8d8d8d-0000-4000-8000-000000000001';
const billing: Team = {
  id: teamId,
  name: 'Billing',
  description: 'Invoices',
  replyTargets: { firstResponseMinutes: 30, isBusinessHoursOnly: true },
  members: [{ userId: operatorId, name: 'Bill Billing' }],
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

function teamsServer(extra: Parameters<typeof fakeApi>[0] = {}) {
  let teams: Team[] = [];
  return fakeApi({
    'GET /v1/teams': () => Response.json({ items: teams }),
    'GET /v1/operators': () =>
      Response.json({
        items: [{ id: operatorId, name: 'Bill Billing', role: 'operator', presence: 'online', openConversations: 0 }],
      }),
    'POST /v1/teams': () => Response.json({ ...billing, members: [] }, { status: 201 }),
    'PUT /v1/teams/:id/members': () => {
      teams = [billing];
      return Response.json(billing);
    },
    ...extra,
  });
}

const open = (server: ReturnType<typeof fakeApi>) =>
  renderArea(inboxSettingsArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/inbox-settings',
    path: '/inbox-settings/teams',
  });

describe('Teams', () => {
  it('creates a team with its targets, then sets its members', async () => {
    const server = teamsServer();
    await open(server);
    await screen.findByText('No teams yet.');
    const form = screen.getByRole('form', { name: 'New team' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Billing' } });
    fireEvent.change(within(form).getByLabelText('First reply within'), { target: { value: '30' } });
    fireEvent.click(within(form).getByRole('checkbox', { name: 'Count business hours only' }));
    fireEvent.click(await within(form).findByRole('checkbox', { name: 'Bill Billing' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Add team' }));

    const row = await screen.findByRole('row', { name: /Billing/ });
    expect(row.textContent).toContain('first reply 30 min (business hours)');
    expect(server.callsTo('POST', '/v1/teams')[0]?.body).toEqual({
      name: 'Billing',
      description: '',
      replyTargets: { firstResponseMinutes: 30, isBusinessHoursOnly: true },
    });
    expect(server.callsTo('PUT', `/v1/teams/${teamId}/members`)[0]?.body).toEqual({ userIds: [operatorId] });
  });

  it("shows the server's sentence when a name is taken", async () => {
    const server = teamsServer({
      'POST /v1/teams': () => problem(409, 'conflict', "A team named 'Billing' exists already; choose another name"),
    });
    await open(server);
    const form = await screen.findByRole('form', { name: 'New team' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Billing' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add team' }));
    await waitFor(() => expect(form.textContent).toContain('exists already'));
    expect(server.callsTo('PUT', `/v1/teams/${teamId}/members`)).toEqual([]);
  });
});
