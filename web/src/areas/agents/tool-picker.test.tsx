import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { agentsArea } from './agents-area';
import type { Agent } from './agents-api';
import type { CatalogTool } from './tool-picker';

afterEach(cleanup);

const clockKey = 'builtin:current_time';
const refundKey = 'mcp:7a0e4f3c-1111-4a55-9a43-0c8b1d2c3e4f';
const lookupKey = 'mcp:7a0e4f3c-2222-4a55-9a43-0c8b1d2c3e4f';

const catalog: CatalogTool[] = [
  {
    key: 'builtin:search_knowledge',
    name: 'search_knowledge',
    description: 'Searches sources',
    source: 'builtin',
    approval: 'auto',
    enabled: true,
  },
  {
    key: clockKey,
    name: 'current_time',
    description: 'Tells the time',
    source: 'builtin',
    approval: 'auto',
    enabled: true,
  },
  {
    key: lookupKey,
    name: 'lookup_order',
    description: 'Finds an order',
    source: 'mcp',
    serverName: 'Shop',
    approval: 'auto',
    enabled: false,
  },
  {
    key: refundKey,
    name: 'refund_order',
    description: 'Refunds an order',
    source: 'mcp',
    serverName: 'Shop',
    approval: 'needs_approval',
    enabled: true,
  },
];

const storedAgent: Agent = {
  id: '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f',
  name: 'Clerk',
  instructions: 'You help with orders.',
  model: 'openai:gpt-4o',
  temperature: null,
  maxOutputTokens: null,
  visibility: 'tenant',
  knowledgeSourceIds: [],
  toolKeys: [refundKey],
  ownerId: null,
  createdBy: 'u-self',
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};

function agentsServer(toolCatalog: () => Response, onSave: (body: unknown) => Response) {
  return fakeApi({
    'GET /v1/providers/models': () =>
      Response.json({ models: ['openai:gpt-4o', 'offline'], defaultModel: 'openai:gpt-4o' }),
    'GET /v1/agents': () => pageOf([]),
    'GET /v1/knowledge-sources': () => pageOf([]),
    'GET /v1/agents/tool-catalog': toolCatalog,
    'GET /v1/agents/:id': () => Response.json(storedAgent),
    'GET /v1/agents/:id/versions': () => Response.json({ items: [], nextBefore: null }),
    'POST /v1/agents': (call) => onSave(call.body),
    'PATCH /v1/agents/:id': (call) => onSave(call.body),
  });
}

const saved = (body: unknown) => Response.json({ ...storedAgent, ...(body as object) });
const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(agentsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/agents', path });
const checkbox = (name: string) => screen.getByRole<HTMLInputElement>('checkbox', { name: new RegExp(`^${name}`) });

describe('agent tool picker', () => {
  it('lists built-ins and each MCP server’s tools, saying which ask first and which are switched off', async () => {
    const server = agentsServer(() => Response.json({ items: catalog }), saved);
    await open(server, '/agents/new');

    const shop = await screen.findByRole('group', { name: 'MCP · Shop' });
    expect(within(shop).getAllByRole('checkbox')).toHaveLength(2);
    expect(within(screen.getByRole('group', { name: 'Built in' })).getAllByRole('checkbox')).toHaveLength(2);
    expect(checkbox('refund_order').closest('label')?.textContent).toContain('asks first');
    expect(checkbox('lookup_order').closest('label')?.textContent).toContain('switched off');
    expect(checkbox('current_time').closest('label')?.textContent).not.toContain('asks first');
  });

  it('creates an agent with the tools ticked, in catalog order', async () => {
    const server = agentsServer(
      () => Response.json({ items: catalog }),
      (body) => Response.json({ ...storedAgent, ...(body as object) }, { status: 201 }),
    );
    await open(server, '/agents/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Clerk' } });
    fireEvent.click(await screen.findByRole('checkbox', { name: /^refund_order/ }));
    fireEvent.click(checkbox('current_time'));
    fireEvent.click(screen.getByRole('button', { name: 'Create agent' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/agents')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/agents')[0]?.body).toMatchObject({ toolKeys: [clockKey, refundKey] });
  });

  it("shows an agent's tools ticked, replaces them when changed, and leaves them out when unchanged", async () => {
    const server = agentsServer(() => Response.json({ items: catalog }), saved);
    await open(server, `/agents/${storedAgent.id}`);
    await waitFor(() => expect(checkbox('refund_order').checked).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)).toHaveLength(1));
    expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[0]?.body).not.toHaveProperty('toolKeys');

    cleanup();
    await open(server, `/agents/${storedAgent.id}`);
    await waitFor(() => expect(checkbox('refund_order').checked).toBe(true));
    fireEvent.click(checkbox('refund_order'));
    fireEvent.click(checkbox('lookup_order'));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)).toHaveLength(2));
    expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[1]?.body).toMatchObject({ toolKeys: [lookupKey] });
  });

  it("leaves the agent's tools alone when the catalog cannot be read, and offers to try again", async () => {
    const server = agentsServer(() => problem(503, 'unavailable', 'The tool catalog is unavailable right now'), saved);
    await open(server, `/agents/${storedAgent.id}`);
    expect(await screen.findByText('The tool catalog is unavailable right now')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)).toHaveLength(1));
    expect(server.callsTo('PATCH', `/v1/agents/${storedAgent.id}`)[0]?.body).not.toHaveProperty('toolKeys');
  });

  it('shows the server’s sentence for a tool the agent may not have', async () => {
    const refused = problem(404, 'not_found', "MCP tool '7a0e4f3c' was not found", [
      { field: 'toolKeys', message: 'an MCP tool of this tenant is required' },
    ]);
    const server = agentsServer(
      () => Response.json({ items: catalog }),
      () => refused,
    );
    await open(server, `/agents/${storedAgent.id}`);
    await waitFor(() => expect(checkbox('refund_order').checked).toBe(true));
    fireEvent.click(checkbox('current_time'));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('an MCP tool of this tenant is required')).toBeTruthy();
  });
});
