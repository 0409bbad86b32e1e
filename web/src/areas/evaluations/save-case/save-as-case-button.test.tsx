import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../../ui/test-harness';
import type { EvaluationSet } from '../evaluations-api';
import { SaveAsCaseButton, type ConversationSource } from './save-as-case-button';

afterEach(cleanup);

const setOf = (id: string, name: string): EvaluationSet => ({
  id,
  name,
  description: '',
  caseCount: 4,
  createdBy: 'u-self',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
});
const returns = setOf('1d9b7a52-6c3e-4f0a-8d1e-000000000001', 'Returns');
const shipping = setOf('1d9b7a52-6c3e-4f0a-8d1e-000000000002', 'Shipping');

function savingServer(sets: EvaluationSet[], onSave: () => Response = () => Response.json({}, { status: 201 })) {
  return fakeApi({
    'GET /v1/evaluation-sets': () => pageOf(sets),
    'POST /v1/evaluation-sets': (call) =>
      Response.json(setOf('1d9b7a52-6c3e-4f0a-8d1e-000000000003', (call.body as { name: string }).name), {
        status: 201,
      }),
    'POST /v1/evaluation-sets/:id/cases/from-conversation': onSave,
  });
}

const renderButton = (server: ReturnType<typeof fakeApi>, source: ConversationSource) =>
  renderArea(<SaveAsCaseButton source={source} />, { fetchImpl: server.fetchImpl, areaPath: '/chat', path: '/chat' });

describe('save a conversation as a test case', () => {
  it('saves a chat to the set picked and says where it went', async () => {
    const server = savingServer([returns, shipping]);
    await renderButton(server, { conversationId: 'c-1' });
    fireEvent.click(screen.getByRole('button', { name: 'Save as test case' }));
    const dialog = screen.getByRole('dialog', { name: 'Save as test case' });
    const first = await within(dialog).findByRole('radio', { name: 'Returns (4 cases)' });
    expect(first).toHaveProperty('checked', true);
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Shipping (4 cases)' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save case' }));

    expect((await screen.findByRole('status')).textContent).toBe('Saved to Shipping.');
    expect(screen.queryByRole('dialog')).toBeNull();
    const saves = server.calls.filter((call) => call.path.endsWith('/cases/from-conversation'));
    expect(saves.map((call) => [call.path, call.body])).toEqual([
      [`/v1/evaluation-sets/${shipping.id}/cases/from-conversation`, { conversationId: 'c-1' }],
    ]);
  });

  it('makes a new set inline for a desk conversation, and makes it once when the save is refused and tried again', async () => {
    let isRefused = true;
    const server = savingServer([returns], () =>
      isRefused
        ? problem(400, 'validation_failed', 'No message of the person comes before that reply')
        : Response.json({}, { status: 201 }),
    );
    await renderButton(server, { supportConversationId: 's-1' });
    fireEvent.click(screen.getByRole('button', { name: 'Save as test case' }));
    const dialog = screen.getByRole('dialog', { name: 'Save as test case' });
    fireEvent.click(await within(dialog).findByRole('radio', { name: 'A new set' }));
    const save = within(dialog).getByRole('button', { name: 'Save case' });
    expect(save).toHaveProperty('disabled', true);
    fireEvent.change(within(dialog).getByLabelText('Name of the new set'), { target: { value: 'From the desk' } });
    fireEvent.click(save);

    expect((await within(dialog).findByRole('alert')).textContent).toContain('No message of the person');
    isRefused = false;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save case' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved to From the desk.');
    expect(server.callsTo('POST', '/v1/evaluation-sets')).toHaveLength(1);
    expect(server.callsTo('POST', '/v1/evaluation-sets')[0]?.body).toEqual({ name: 'From the desk' });
    await waitFor(() =>
      expect(server.calls.filter((call) => call.path.endsWith('/from-conversation')).map((call) => call.body)).toEqual([
        { supportConversationId: 's-1' },
        { supportConversationId: 's-1' },
      ]),
    );
  });

  it('closes on Escape without saving', async () => {
    const server = savingServer([returns]);
    await renderButton(server, { conversationId: 'c-1' });
    fireEvent.click(screen.getByRole('button', { name: 'Save as test case' }));
    const dialog = screen.getByRole('dialog', { name: 'Save as test case' });
    await within(dialog).findByRole('radio', { name: 'Returns (4 cases)' });
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(server.calls.filter((call) => call.method === 'POST')).toEqual([]);
  });
});
