import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { agentsArea } from './agents-area';
import type { Agent } from './agents-api';
import { defaultCompanionSettings } from './companion-settings-section';

afterEach(cleanup);

const storedAgent: Agent = {
  id: '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f',
  name: 'Buddy',
  instructions: 'Be warm.',
  model: 'openai:gpt-4o-mini',
  temperature: null,
  maxOutputTokens: null,
  visibility: 'tenant',
  knowledgeSourceIds: [],
  companion: { ...defaultCompanionSettings, memory: true, summaryEveryTurns: 6 },
  ownerId: null,
  createdBy: 'u-self',
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};

function server(onSave: (body: unknown) => Response) {
  return fakeApi({
    'GET /v1/providers/models': () =>
      Response.json({ models: ['openai:gpt-4o-mini', 'offline'], defaultModel: 'openai:gpt-4o-mini' }),
    'GET /v1/agents': () => pageOf([]),
    'GET /v1/knowledge-sources': () => pageOf([]),
    'GET /v1/agents/tool-catalog': () => Response.json({ items: [] }),
    'GET /v1/agents/:id': () => Response.json(storedAgent),
    'GET /v1/agents/:id/versions': () => Response.json({ items: [], nextBefore: null }),
    'POST /v1/agents': (call) => onSave(call.body),
    'PATCH /v1/agents/:id': (call) => onSave(call.body),
  });
}

const section = () => within(screen.getByRole('group', { name: 'Companion features' }));
const setNumber = (label: string, value: string) =>
  fireEvent.change(section().getByLabelText(label), { target: { value } });

describe('companion settings in the agent form', () => {
  it('shows a feature’s knobs only while it is on, and sends only what changed', async () => {
    const api = server((body) => Response.json({ ...storedAgent, ...(body as object) }, { status: 201 }));
    await renderArea(agentsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/agents', path: '/agents/new' });
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Model').value).toBe('openai:gpt-4o-mini'));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Texter' } });

    expect(section().queryByLabelText('At most bubbles')).toBeNull();
    fireEvent.click(section().getByRole('checkbox', { name: 'Split replies' }));
    setNumber('At most bubbles', '3');
    setNumber('Typing ms per character', '10');
    fireEvent.click(section().getByRole('checkbox', { name: 'Proactive messages' }));
    setNumber('After idle minutes', '90');
    fireEvent.click(section().getByRole('checkbox', { name: 'Suggest adapting to each user' }));
    setNumber('Auto-apply from confidence', '0.8');
    fireEvent.change(section().getByLabelText(/Jobs run on/), { target: { value: 'offline' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create agent' }));

    await waitFor(() => expect(api.callsTo('POST', '/v1/agents')).toHaveLength(1));
    expect((api.callsTo('POST', '/v1/agents')[0]?.body as { companion: unknown }).companion).toEqual({
      splitReplies: true,
      splitMaxBubbles: 3,
      typingMsPerChar: 10,
      proactive: true,
      proactiveIdleMinutes: 90,
      personalitySuggestions: true,
      autoApplyMinConfidence: 0.8,
      utilityModel: 'offline',
    });
  });

  it('starts from the agent’s stored settings, and leaves them out when none changed', async () => {
    const api = server((body) => Response.json({ ...storedAgent, ...(body as object) }));
    await renderArea(agentsArea.element, {
      fetchImpl: api.fetchImpl,
      areaPath: '/agents',
      path: `/agents/${storedAgent.id}`,
    });
    expect(await screen.findByRole('checkbox', { name: 'Long-term memory' })).toHaveProperty('checked', true);
    expect(section().getByLabelText<HTMLInputElement>('Every N user turns').value).toBe('6');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)).toHaveLength(1));
    expect(api.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[0]?.body).not.toHaveProperty('companion');
  });

  it("shows the server's sentence under the setting it refused", async () => {
    const api = server(() =>
      problem(400, 'validation_failed', 'The agent is not valid', [
        { field: 'companion.summaryEveryTurns', message: 'is too often for this server' },
      ]),
    );
    await renderArea(agentsArea.element, {
      fetchImpl: api.fetchImpl,
      areaPath: '/agents',
      path: `/agents/${storedAgent.id}`,
    });
    await screen.findByRole('checkbox', { name: 'Summaries' });
    setNumber('Every N user turns', '3');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await section().findByText('is too often for this server')).toBeTruthy();
    expect(api.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[0]?.body).toMatchObject({
      companion: { summaryEveryTurns: 3 },
    });
  });
});
