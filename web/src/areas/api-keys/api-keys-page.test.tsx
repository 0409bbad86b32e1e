import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clickTwice, fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { apiKeysArea } from './api-keys-area';
import type { ApiKey } from './api-keys-api';

const secret = 'pk_live_7Qm2xV9c_0123456789abcdefghijklmnopqrstuv';
const listed: ApiKey = {
  id: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
  name: 'CI bot',
  prefix: 'pk_live_7Qm2',
  role: 'member',
  userId: 'u-self',
  lastUsedAt: null,
  createdAt: '2025-01-01T10:00:00.000Z',
};

const writeText = vi.fn((_text: string) => Promise.resolve());
beforeEach(() => {
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});
afterEach(cleanup);

/** The API keys page over a server that creates the one key, with the form's name filled in. */
async function openFilledKeyForm() {
  const server = fakeApi({
    'GET /v1/api-keys': () => pageOf([]),
    'POST /v1/api-keys': () => Response.json({ ...listed, key: secret }, { status: 201 }),
  });
  await renderArea(apiKeysArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/api-keys',
    path: '/api-keys',
  });
  fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'CI bot' } });
  return server;
}

describe('API keys', () => {
  it('shows a new key once, copies it, and forgets it when the box is closed', async () => {
    let keys: ApiKey[] = [];
    const server = fakeApi({
      'GET /v1/api-keys': () => pageOf(keys),
      'POST /v1/api-keys': () => {
        keys = [listed];
        return Response.json({ ...listed, key: secret }, { status: 201 });
      },
    });
    const { queryClient } = await renderArea(apiKeysArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/api-keys',
      path: '/api-keys',
    });
    expect(await screen.findByText('No API keys yet.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'CI bot' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'member' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    const dialog = await screen.findByRole('dialog', { name: 'API key CI bot created' });
    expect(dialog.textContent).toContain("it won't be shown again");
    expect(screen.getByLabelText<HTMLInputElement>('New API key').value).toBe(secret);
    expect(server.callsTo('POST', '/v1/api-keys')[0]?.body).toEqual({ name: 'CI bot', role: 'member' });

    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(secret));
    expect(await screen.findByText('Copied to the clipboard.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    // The list shows the prefix only, and nothing in the page or the caches keeps the key.
    expect(await screen.findByText('pk_live_7Qm2…')).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(secret);
    const cached = () =>
      JSON.stringify([
        queryClient
          .getQueryCache()
          .getAll()
          .map((query) => query.state.data),
        queryClient
          .getMutationCache()
          .getAll()
          .map((mutation) => mutation.state.data),
      ]);
    await waitFor(() => expect(cached()).not.toContain(secret));
  });

  it('closes the key box with Escape too, and the key is gone', async () => {
    await openFilledKeyForm();
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const dialog = await screen.findByRole('dialog');
    expect(document.activeElement).toBe(screen.getByLabelText('New API key'));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(secret);
  });

  it('lets a member create a key of their own role, listing only their own keys', async () => {
    const server = fakeApi(
      {
        'GET /v1/api-keys': () => pageOf([]),
        'POST /v1/api-keys': () => Response.json({ ...listed, role: 'member', key: secret }, { status: 201 }),
      },
      { role: 'member' },
    );
    await renderArea(apiKeysArea.element, { fetchImpl: server.fetchImpl, areaPath: '/api-keys', path: '/api-keys' });
    expect(await screen.findByText(/These are your own keys\./)).toBeTruthy();
    const role = screen.getByLabelText<HTMLSelectElement>('Role');
    expect([...role.options].map((option) => option.value)).toEqual(['member']);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'My MCP client' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByRole('dialog', { name: 'API key CI bot created' })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/api-keys')[0]?.body).toEqual({ name: 'My MCP client', role: 'member' });
  });

  it('creates one key on a double-click of Create key', async () => {
    const server = await openFilledKeyForm();
    clickTwice(screen.getByRole('button', { name: 'Create key' }));

    await screen.findByRole('dialog', { name: 'API key CI bot created' });
    expect(server.callsTo('POST', '/v1/api-keys')).toHaveLength(1);
  });
});
