import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { QuietHoursForm } from '../profile/quiet-hours-form';
import type { Conversation, StoredMessage } from './chat-api';
import { ChatArea } from './chat-area';

afterEach(cleanup);

const conversation: Conversation = {
  id: 'c1',
  ownerId: 'u-self',
  agentId: 'agent-1',
  projectId: null,
  title: 'Garden',
  messageCount: 3,
  archived: false,
  archivedAt: null,
  lastActivityAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

const stored = (overrides: Partial<StoredMessage>): StoredMessage => ({
  id: 'm',
  conversationId: 'c1',
  role: 'assistant',
  content: '',
  reasoning: null,
  status: 'complete',
  error: null,
  model: 'offline',
  usage: null,
  timeToFirstTokenMs: null,
  durationMs: null,
  finishReason: 'stop',
  createdAt: '2026-01-01T10:00:00.000Z',
  completedAt: '2026-01-01T10:00:00.000Z',
  seq: 1,
  ...overrides,
});

describe('proactive messages in the console', () => {
  it('marks a message the agent sent on its own, and lets the owner turn them off in the chat', async () => {
    let enabled = true;
    const server = fakeApi({
      'GET /v1/conversations': () => pageOf([conversation]),
      'GET /v1/conversations/c1': () => Response.json(conversation),
      'GET /v1/conversations/c1/messages': () =>
        Response.json({
          items: [
            stored({ id: 'u1', role: 'user', content: 'My tomatoes are wilting.' }),
            stored({ id: 'a1', content: 'Water them at dawn.' }),
            stored({ id: 'a2', content: 'Hi again! How are the tomatoes?', proactive: true }),
          ],
          olderCursor: null,
          newerCursor: null,
        }),
      'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Gardener', model: 'offline' }]),
      'GET /v1/conversations/c1/proactive': () =>
        Response.json({ conversationId: 'c1', enabled, agentEnabled: true, unanswered: 1 }),
      'PUT /v1/conversations/c1/proactive': (call) => {
        enabled = (call.body as { enabled: boolean }).enabled;
        return Response.json({ conversationId: 'c1', enabled, agentEnabled: true, unanswered: 1 });
      },
    });
    await renderArea(<ChatArea />, { fetchImpl: server.fetchImpl, areaPath: '/chat', path: '/chat/c1' });

    await screen.findByText('Hi again! How are the tomatoes?');
    // One marker: under the proactive message, not under the ordinary reply.
    expect(screen.getAllByText(/Sent on its own while you were away/)).toHaveLength(1);
    const toggle = await screen.findByRole<HTMLInputElement>('checkbox', { name: /Proactive messages/ });
    expect(toggle.checked).toBe(true);
    fireEvent.click(toggle);
    await waitFor(() => expect(server.callsTo('PUT', '/v1/conversations/c1/proactive')).toHaveLength(1));
    expect(server.callsTo('PUT', '/v1/conversations/c1/proactive')[0]!.body).toEqual({ enabled: false });
    await waitFor(() =>
      expect(screen.getByRole<HTMLInputElement>('checkbox', { name: /Proactive messages/ }).checked).toBe(false),
    );
  });

  it('saves the time zone and quiet hours on the profile', async () => {
    const server = fakeApi({
      'GET /v1/auth/me/quiet-hours': () => Response.json({ timeZone: 'Europe/Paris', quietHours: null }),
      'PUT /v1/auth/me/quiet-hours': (call) => Response.json(call.body),
    });
    await renderArea(<QuietHoursForm />, { fetchImpl: server.fetchImpl, areaPath: '/profile', path: '/profile' });
    const zone = await screen.findByLabelText<HTMLInputElement>('Time zone');
    expect(zone.value).toBe('Europe/Paris');
    fireEvent.change(zone, { target: { value: 'Asia/Tokyo' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Quiet/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved.');
    expect(server.callsTo('PUT', '/v1/auth/me/quiet-hours')[0]!.body).toEqual({
      timeZone: 'Asia/Tokyo',
      quietHours: { start: '22:00', end: '08:00' },
    });
  });
});
