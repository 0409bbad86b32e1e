import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { inboxArea } from './inbox-area';
import type { SupportConversation } from './support-api';

afterEach(cleanup);

const teamId = '8d8d8d8d-0000-4000-8000-000000000001';
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const dueSoon: SupportConversation = {
  id: '0f3c1d2e-4b5a-4c6d-8e7f-901234567891',
  inboxId: 'a1b2c3d4-0000-4000-8000-000000000001',
  contactId: 'c0c0c0c0-0000-4000-8000-000000000001',
  conversationId: null,
  status: 'pending',
  assigneeId: null,
  teamId,
  snoozedUntil: null,
  labels: [],
  statusChangedAt: minutesAgo(2),
  createdAt: minutesAgo(2),
  updatedAt: minutesAgo(2),
  contactName: 'Ingrid Invoice',
  targets: { firstResponseDueAt: minutesAgo(-2), nextResponseDueAt: null, resolutionDueAt: null, state: 'due_soon' },
};

const teamOf = (search: string) => new URLSearchParams(search).get('teamId');

function desk(teams: { teamId: string; name: string; count: number; isMine: boolean }[]) {
  return fakeApi({
    'GET /v1/teams/counts': () => Response.json({ items: teams }),
    'GET /v1/support-conversations': () => pageOf([dueSoon]),
    'GET /v1/support-conversations/counts': () => Response.json({ mine: 0, unassigned: 1, all: 1 }),
  });
}

const open = (server: ReturnType<typeof fakeApi>) =>
  renderArea(inboxArea.element, { fetchImpl: server.fetchImpl, areaPath: '/inbox', path: '/inbox' });

describe('the queue by team', () => {
  it("opens on the operator's teams, shows a due-soon badge in words, and lets them choose any team", async () => {
    const server = desk([
      { teamId, name: 'Billing', count: 1, isMine: true },
      { teamId: '8d8d8d8d-0000-4000-8000-000000000002', name: 'Sales', count: 4, isMine: false },
    ]);
    await open(server);
    const link = await screen.findByRole('link', { name: /Ingrid Invoice/ });
    expect(link.textContent).toContain('Due soon');
    const select = screen.getByLabelText<HTMLSelectElement>('Team');
    expect(select.value).toBe('mine');
    expect([...select.options].map((option) => option.text)).toEqual([
      'Any team',
      'My teams',
      'Billing (1)',
      'Sales (4)',
    ]);
    // The first read is already the team's: no unfiltered queue first.
    const queueReads = () => server.callsTo('GET', '/v1/support-conversations').map((call) => teamOf(call.search));
    expect(queueReads()).toEqual(['mine']);
    expect(server.callsTo('GET', '/v1/support-conversations/counts').map((call) => teamOf(call.search))).toEqual([
      'mine',
    ]);

    fireEvent.change(select, { target: { value: '' } });
    await waitFor(() => expect(queueReads()).toContain(null));
  });

  it('opens on every conversation for an operator in no team', async () => {
    const server = desk([{ teamId, name: 'Billing', count: 1, isMine: false }]);
    await open(server);
    await screen.findByRole('link', { name: /Ingrid Invoice/ });
    expect(screen.getByLabelText<HTMLSelectElement>('Team').value).toBe('');
    expect(screen.queryByRole('option', { name: 'My teams' })).toBeNull();
  });
});
