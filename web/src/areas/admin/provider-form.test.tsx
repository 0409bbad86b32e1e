import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clickTwice, fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { administrationArea } from './admin-area';
import type { Provider } from './admin-api';

afterEach(cleanup);

const stored: Provider = {
  id: '0b9d7e4a-1c2f-4e5a-8b6c-7d8e9f0a1b2c',
  name: 'acme-openai',
  kind: 'openai',
  baseUrl: null,
  hasApiKey: true,
  settings: { organization: 'org-1' },
  models: ['gpt-4o-mini', 'gpt-4o'],
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};
const providerPath = `/v1/providers/${stored.id}`;

function providersServer() {
  return fakeApi({
    'GET /v1/providers': () => pageOf([stored]),
    'GET /v1/providers/:id': () => Response.json(stored),
    'PATCH /v1/providers/:id': (call) => Response.json({ ...stored, ...(call.body as object) }),
    'POST /v1/providers': (call) => Response.json({ ...stored, ...(call.body as object) }, { status: 201 }),
  });
}

async function openEditor(server: ReturnType<typeof providersServer>, path = `/admin/providers/${stored.id}`) {
  await renderArea(administrationArea.element, { fetchImpl: server.fetchImpl, areaPath: '/admin', path });
  return screen.findByLabelText<HTMLInputElement>('API key');
}

const save = (label = 'Save changes') => fireEvent.click(screen.getByRole('button', { name: label }));
const lastPatch = (server: ReturnType<typeof providersServer>) => server.callsTo('PATCH', providerPath).at(-1)?.body;

describe('provider form', () => {
  it('starts the key field empty with a placeholder and sends no apiKey when none was typed', async () => {
    const server = providersServer();
    const apiKey = await openEditor(server);
    expect(apiKey.type).toBe('password');
    expect(apiKey.value).toBe('');
    expect(apiKey.placeholder).toBe('stored — leave empty to keep');
    expect(screen.getByLabelText<HTMLInputElement>('Organization').value).toBe('org-1');
    expect(screen.getByLabelText<HTMLInputElement>('Models').value).toBe('gpt-4o-mini, gpt-4o');

    save();
    await waitFor(() => expect(server.callsTo('PATCH', providerPath)).toHaveLength(1));
    expect(lastPatch(server)).not.toHaveProperty('apiKey');
    expect(lastPatch(server)).toEqual({
      name: 'acme-openai',
      kind: 'openai',
      baseUrl: null,
      settings: { organization: 'org-1' },
      models: ['gpt-4o-mini', 'gpt-4o'],
    });
  });

  it('sends the key only when one is typed, and never shows it back', async () => {
    const server = providersServer();
    const apiKey = await openEditor(server);
    fireEvent.change(apiKey, { target: { value: '  sk-new-secret  ' } });
    expect(document.body.textContent).not.toContain('sk-new-secret');
    save();
    await waitFor(() => expect(server.callsTo('PATCH', providerPath)).toHaveLength(1));
    expect(lastPatch(server)).toMatchObject({ apiKey: 'sk-new-secret' });
    // Saved: back to the list, where only "Stored" stands for the key.
    expect(await screen.findByRole('heading', { name: 'Providers' })).toBeTruthy();
    expect(document.body.innerHTML).not.toContain('sk-new-secret');
  });

  it('sends apiKey: null for "Remove stored key", and can be taken back before saving', async () => {
    const server = providersServer();
    const apiKey = await openEditor(server);
    fireEvent.click(screen.getByRole('button', { name: 'Remove stored key' }));
    expect(apiKey.disabled).toBe(true);
    expect(screen.getByText('The stored key will be removed when you save.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Keep stored key' }));
    expect(apiKey.placeholder).toBe('stored — leave empty to keep');
    fireEvent.click(screen.getByRole('button', { name: 'Remove stored key' }));
    save();
    await waitFor(() => expect(server.callsTo('PATCH', providerPath)).toHaveLength(1));
    expect(lastPatch(server)).toMatchObject({ apiKey: null });
  });

  it("creates an Azure provider with its settings and models, leaving out what wasn't filled", async () => {
    const server = providersServer();
    const apiKey = await openEditor(server, '/admin/providers/new');
    expect(apiKey.placeholder).toBe('');
    expect(screen.queryByRole('button', { name: 'Remove stored key' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'acme-azure' } });
    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'azure' } });
    fireEvent.change(screen.getByLabelText('Azure resource name'), { target: { value: 'acme' } });
    fireEvent.change(screen.getByLabelText('Models'), { target: { value: ' dep-1 ,, dep-2, ' } });
    save('Add provider');
    await waitFor(() => expect(server.callsTo('POST', '/v1/providers')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/providers')[0]?.body).toEqual({
      name: 'acme-azure',
      kind: 'azure',
      settings: { resourceName: 'acme' },
      models: ['dep-1', 'dep-2'],
    });
  });

  it('creates a Cohere provider for reranking, with its key and without a base URL', async () => {
    const server = providersServer();
    const apiKey = await openEditor(server, '/admin/providers/new');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'cohere' } });
    const kind = screen.getByLabelText<HTMLSelectElement>('Kind');
    fireEvent.change(kind, { target: { value: 'cohere' } });
    expect(kind.selectedOptions[0]?.textContent).toBe('Cohere (reranking)');
    expect(screen.getByText('Optional; empty uses api.cohere.com/v2.')).toBeTruthy();
    expect(screen.getByText(/reranking model ids, e\.g\. rerank-v3\.5.*agents cannot chat with them/)).toBeTruthy();
    expect(
      screen.getByText('Required for this kind of provider. Stored encrypted and never shown again.'),
    ).toBeTruthy();
    fireEvent.change(apiKey, { target: { value: 'co-secret' } });
    fireEvent.change(screen.getByLabelText('Models'), { target: { value: 'rerank-v3.5' } });
    save('Add provider');
    await waitFor(() => expect(server.callsTo('POST', '/v1/providers')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/providers')[0]?.body).toEqual({
      name: 'cohere',
      kind: 'cohere',
      apiKey: 'co-secret',
      settings: {},
      models: ['rerank-v3.5'],
    });
  });

  it('adds one provider on a double-click of Add provider', async () => {
    const server = providersServer();
    await openEditor(server, '/admin/providers/new');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'acme-openai' } });
    fireEvent.change(screen.getByLabelText('Models'), { target: { value: 'gpt-4o' } });
    clickTwice(screen.getByRole('button', { name: 'Add provider' }));

    expect(await screen.findByRole('heading', { name: 'Providers' })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/providers')).toHaveLength(1);
  });
});
