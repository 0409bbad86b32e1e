import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clickTwice, fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { agentsArea } from './agents-area';
import type { Agent } from './agents-api';
import { noEvaluations } from '../evaluations/evaluation-fakes';

afterEach(cleanup);

const modelChoices = () =>
  Response.json({ models: ['openai:gpt-4o-mini', 'openai:gpt-4o', 'offline'], defaultModel: 'openai:gpt-4o-mini' });

const storedAgent: Agent = {
  id: '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f',
  name: 'Support',
  instructions: 'You answer support questions politely.',
  model: 'retired:model-1',
  temperature: 0.5,
  maxOutputTokens: 800,
  visibility: 'tenant',
  // One listed source, one deleted since: only the listed one is kept.
  knowledgeSourceIds: ['ks-faq', 'ks-deleted'],
  ownerId: null,
  createdBy: 'u-self',
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};

const knowledgeSources = [
  { id: 'ks-handbook', name: 'Handbook', documentCount: 3 },
  { id: 'ks-faq', name: 'FAQ', documentCount: 1 },
];

function agentsServer(role: 'member' | 'tenant_admin', onSave: (body: unknown) => Response) {
  return fakeApi(
    {
      'GET /v1/providers/models': modelChoices,
      'GET /v1/agents': () => pageOf([]),
      'GET /v1/knowledge-sources': () => pageOf(knowledgeSources),
      // Before `:id`, which would match it too.
      'GET /v1/agents/tool-catalog': () => Response.json({ items: [] }),
      'GET /v1/agents/:id': () => Response.json(storedAgent),
      'GET /v1/agents/:id/versions': () => Response.json({ items: [], nextBefore: null }),
      ...noEvaluations,
      'POST /v1/agents': (call) => onSave(call.body),
      'PATCH /v1/agents/:id': (call) => onSave(call.body),
    },
    { role },
  );
}

const openNewAgent = (server: ReturnType<typeof fakeApi>) =>
  renderArea(agentsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/agents', path: '/agents/new' });

function type(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('agent form', () => {
  it('creates an agent with the chosen model and temperature as a number, leaving unset numbers out', async () => {
    const server = agentsServer('tenant_admin', (body) =>
      Response.json({ ...storedAgent, ...(body as object) }, { status: 201 }),
    );
    await openNewAgent(server);
    // The server's default model is chosen until the person picks another.
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Model').value).toBe('openai:gpt-4o-mini'));
    type('Name', '  Helper  ');
    type('Personality', 'Be brief.');
    type('Model', 'openai:gpt-4o');
    type('Temperature', '0.7');
    fireEvent.click(screen.getByRole('button', { name: 'Create agent' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/agents')).toHaveLength(1));
    const body = server.callsTo('POST', '/v1/agents')[0]?.body;
    expect(body).toEqual({
      name: 'Helper',
      instructions: 'Be brief.',
      model: 'openai:gpt-4o',
      temperature: 0.7,
      visibility: 'tenant',
      knowledgeSourceIds: [],
    });
    expect(body).not.toHaveProperty('maxOutputTokens');
    // Back to the list once saved.
    expect(await screen.findByRole('heading', { name: 'Agents' })).toBeTruthy();
  });

  it('offers members no tenant-wide option and omits an empty temperature', async () => {
    const server = agentsServer('member', (body) =>
      Response.json({ ...storedAgent, ...(body as object) }, { status: 201 }),
    );
    await openNewAgent(server);
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Model').value).toBe('openai:gpt-4o-mini'));
    expect(screen.queryByRole('radio', { name: /Tenant-wide/ })).toBeNull();
    expect(screen.getByText('Private: only you can use this agent.')).toBeTruthy();
    type('Name', 'Mine');
    type('Max output tokens', '500');
    fireEvent.click(screen.getByRole('button', { name: 'Create agent' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/agents')).toHaveLength(1));
    const body = server.callsTo('POST', '/v1/agents')[0]?.body;
    expect(body).toEqual({
      name: 'Mine',
      instructions: '',
      model: 'openai:gpt-4o-mini',
      maxOutputTokens: 500,
      visibility: 'private',
      knowledgeSourceIds: [],
    });
    expect(body).not.toHaveProperty('temperature');
  });

  it("shows the server's sentence and its per-field errors next to the fields", async () => {
    const server = agentsServer('tenant_admin', () =>
      problem(400, 'validation_failed', 'The request is invalid — temperature: must be at most 2', [
        { field: 'temperature', message: 'must be at most 2' },
      ]),
    );
    await openNewAgent(server);
    type('Name', 'Hot');
    type('Temperature', '3');
    // Past the browser's own range check, as an older browser or a script would be.
    fireEvent.submit(screen.getByRole('button', { name: 'Create agent' }).closest('form')!);

    expect((await screen.findByRole('alert')).textContent).toContain('The request is invalid — temperature');
    const temperature = screen.getByLabelText('Temperature');
    expect(temperature.getAttribute('aria-invalid')).toBe('true');
    const describedBy = temperature.getAttribute('aria-describedby') ?? '';
    const description = describedBy
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent)
      .join(' ');
    expect(description).toContain('must be at most 2');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
    // Nothing navigated away: the form keeps what was typed.
    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Hot');
  });

  it("keeps an agent's model the providers no longer offer, and clears a number with null when editing", async () => {
    const server = agentsServer('tenant_admin', (body) => Response.json({ ...storedAgent, ...(body as object) }));
    await renderArea(agentsArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/agents',
      path: `/agents/${storedAgent.id}`,
    });
    const model = await screen.findByLabelText<HTMLSelectElement>('Model');
    await waitFor(() => expect(within(model).getAllByRole('option')).toHaveLength(4));
    expect(model.value).toBe('retired:model-1');
    expect(within(model).getByRole('option', { name: 'retired:model-1 (current)' })).toBeTruthy();

    type('Temperature', '');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)).toHaveLength(1));
    expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[0]?.body).toEqual({
      name: 'Support',
      instructions: 'You answer support questions politely.',
      model: 'retired:model-1',
      temperature: null,
      maxOutputTokens: 800,
      visibility: 'tenant',
      knowledgeSourceIds: ['ks-faq'],
    });
  });

  it('gives the agent the knowledge sources ticked, in the order they are listed', async () => {
    const server = agentsServer('tenant_admin', (body) =>
      Response.json({ ...storedAgent, ...(body as object) }, { status: 201 }),
    );
    await openNewAgent(server);
    const group = await screen.findByRole('group', { name: 'Knowledge sources' });
    const faq = await within(group).findByRole('checkbox', { name: /FAQ/ });
    expect(within(group).getByText('(3 documents)')).toBeTruthy();
    fireEvent.click(faq);
    fireEvent.click(within(group).getByRole('checkbox', { name: /Handbook/ }));
    type('Name', 'Librarian');
    fireEvent.click(screen.getByRole('button', { name: 'Create agent' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/agents')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/agents')[0]?.body).toMatchObject({
      name: 'Librarian',
      knowledgeSourceIds: ['ks-handbook', 'ks-faq'],
    });
  });

  it("leaves the agent's sources alone when the sources cannot be listed", async () => {
    const server = fakeApi({
      'GET /v1/providers/models': modelChoices,
      'GET /v1/agents/tool-catalog': () => Response.json({ items: [] }),
      'GET /v1/agents/:id': () => Response.json(storedAgent),
      'GET /v1/agents/:id/versions': () => Response.json({ items: [], nextBefore: null }),
      'GET /v1/knowledge-sources': () => problem(503, 'unavailable', 'Knowledge sources are unavailable right now'),
      ...noEvaluations,
      'PATCH /v1/agents/:id': (call) => Response.json({ ...storedAgent, ...(call.body as object) }),
      'GET /v1/agents': () => pageOf([]),
    });
    await renderArea(agentsArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/agents',
      path: `/agents/${storedAgent.id}`,
    });
    expect((await screen.findByRole('alert')).textContent).toContain('Knowledge sources are unavailable right now');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)).toHaveLength(1));
    expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[0]?.body).not.toHaveProperty('knowledgeSourceIds');
  });

  it('creates one agent on a double-click of Create agent', async () => {
    const server = agentsServer('tenant_admin', (body) =>
      Response.json({ ...storedAgent, ...(body as object) }, { status: 201 }),
    );
    await openNewAgent(server);
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Model').value).toBe('openai:gpt-4o-mini'));
    type('Name', 'Helper');
    clickTwice(screen.getByRole('button', { name: 'Create agent' }));

    expect(await screen.findByRole('heading', { name: 'Agents' })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/agents')).toHaveLength(1);
  });
});
