import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { agentsArea } from './agents-area';

afterEach(cleanup);

const agentId = '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f';
const memory = (id: string, content: string) => ({
  id,
  agentId,
  content,
  sourceMessageId: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
});

function memoriesServer() {
  let items = [memory('m1', 'Has a dog called Rex'), memory('m2', 'Prefers metric units')];
  const api = fakeApi({
    'GET /v1/agents': () => pageOf([]),
    'GET /v1/agents/:id': () =>
      Response.json({
        id: agentId,
        name: 'Buddy',
        model: 'offline',
        visibility: 'tenant',
        companion: { memory: true },
      }),
    'GET /v1/agents/:id/memories': () => Response.json({ items }),
    'PATCH /v1/agents/:id/memories/:memoryId': (call) => {
      const content = (call.body as { content: string }).content;
      if (content === 'Prefers metric units') return problem(409, 'conflict', 'You already have this fact');
      items = items.map((item) => (call.path.endsWith(item.id) ? { ...item, content } : item));
      return Response.json(items.find((item) => call.path.endsWith(item.id)));
    },
    'DELETE /v1/agents/:id/memories/:memoryId': (call) => {
      items = items.filter((item) => !call.path.endsWith(item.id));
      return new Response(null, { status: 204 });
    },
  });
  return api;
}

const openMemories = (api: ReturnType<typeof fakeApi>) =>
  renderArea(agentsArea.element, {
    fetchImpl: api.fetchImpl,
    areaPath: '/agents',
    path: `/agents/${agentId}/memories`,
  });

describe('memories page', () => {
  it('lists what the agent remembers about you, and corrects a fact', async () => {
    const api = memoriesServer();
    await openMemories(api);
    expect(await screen.findByRole('heading', { name: 'What Buddy remembers about you' })).toBeTruthy();
    expect(await screen.findByText('Has a dog called Rex')).toBeTruthy();
    expect(screen.getByText('Prefers metric units')).toBeTruthy();

    fireEvent.click(screen.getAllByRole('button', { name: 'Edit' })[0]!);
    fireEvent.change(screen.getByLabelText('Fact'), { target: { value: 'Has a beagle called Rex' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Has a beagle called Rex')).toBeTruthy();
    expect(api.callsTo('PATCH', `/v1/agents/${agentId}/memories/m1`)[0]?.body).toEqual({
      content: 'Has a beagle called Rex',
    });
  });

  it("shows the server's sentence when a correction repeats another fact", async () => {
    const api = memoriesServer();
    await openMemories(api);
    fireEvent.click((await screen.findAllByRole('button', { name: 'Edit' }))[0]!);
    fireEvent.change(screen.getByLabelText('Fact'), { target: { value: 'Prefers metric units' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/You already have this fact/)).toBeTruthy();
  });

  it('forgets a fact', async () => {
    const api = memoriesServer();
    await openMemories(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Forget "Prefers metric units"' }));
    await waitFor(() => expect(screen.queryByText('Prefers metric units')).toBeNull());
    expect(api.callsTo('DELETE', `/v1/agents/${agentId}/memories/m2`)).toHaveLength(1);
    expect(screen.getByText('Has a dog called Rex')).toBeTruthy();
  });
});
