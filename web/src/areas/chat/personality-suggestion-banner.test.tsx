import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { ChatArea } from './chat-area';
import { conversation } from './chat-test-support';
import type { PersonalitySuggestion } from './personality-suggestions-api';

afterEach(cleanup);

const suggestion: PersonalitySuggestion = {
  id: 's1',
  conversationId: 'c1',
  agentId: 'agent-1',
  instructions: '- Keep answers short: two or three sentences, no preamble.',
  reason: 'In 20 messages, their messages are short (4 words on average).',
  confidence: 0.62,
  model: 'offline',
  status: 'pending',
  appliedTo: null,
  autoApplied: false,
  createdAt: '2026-01-01T10:00:00.000Z',
};

function setUp(options: { canEditAgent: boolean; decision?: () => Response | undefined }) {
  let items = [suggestion];
  const api = fakeApi({
    'GET /v1/conversations': () => pageOf([conversation]),
    'GET /v1/conversations/c1': () => Response.json(conversation),
    'GET /v1/conversations/c1/messages': () => Response.json({ items: [], olderCursor: null, newerCursor: null }),
    'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Captain', model: 'offline' }]),
    'GET /v1/agents/agent-1': () =>
      Response.json({
        id: 'agent-1',
        name: 'Captain',
        model: 'offline',
        ...(options.canEditAgent && { instructions: 'You are helpful.' }),
      }),
    'GET /v1/conversations/c1/personality-suggestions': () => Response.json({ personalityOverride: null, items }),
    'POST /v1/conversations/c1/personality-suggestions/s1/:action': (call) => {
      const answer = options.decision?.();
      if (answer) return answer;
      items = [{ ...suggestion, status: call.path.endsWith('dismiss') ? 'dismissed' : 'applied' }];
      return Response.json(items[0]);
    },
  });
  return api;
}

const openChat = (fetchImpl: typeof fetch) =>
  renderArea(<ChatArea />, { fetchImpl, areaPath: '/chat', path: '/chat/c1' });

describe('personality suggestion banner', () => {
  it('shows the waiting suggestion, applies it to the conversation, and goes away', async () => {
    const api = setUp({ canEditAgent: false });
    await openChat(api.fetchImpl);
    const banner = await screen.findByRole('complementary', { name: 'Personality suggestion' });
    expect(within(banner).getByText(suggestion.reason)).toBeTruthy();
    expect(within(banner).getByText(suggestion.instructions)).toBeTruthy();
    expect(within(banner).getByText('(62% sure)')).toBeTruthy();
    // A member who may not edit the agent is not offered to change it.
    await waitFor(() => expect(api.callsTo('GET', '/v1/agents/agent-1')).toHaveLength(1));
    expect(within(banner).queryByRole('button', { name: 'Apply to the agent' })).toBeNull();

    fireEvent.click(within(banner).getByRole('button', { name: 'Apply to this conversation' }));
    await waitFor(() => expect(screen.queryByRole('complementary', { name: 'Personality suggestion' })).toBeNull());
    expect(api.callsTo('POST', '/v1/conversations/c1/personality-suggestions/s1/apply')[0]?.body).toEqual({
      target: 'conversation',
    });
  });

  it('offers the agent itself to someone allowed to edit it', async () => {
    const api = setUp({ canEditAgent: true });
    await openChat(api.fetchImpl);
    const toAgent = await screen.findByRole('button', { name: 'Apply to the agent' });
    fireEvent.click(toAgent);
    await waitFor(() =>
      expect(api.callsTo('POST', '/v1/conversations/c1/personality-suggestions/s1/apply')[0]?.body).toEqual({
        target: 'agent',
      }),
    );
  });

  it('dismisses, and says why when the server refuses', async () => {
    let refuse = true;
    const api = setUp({
      canEditAgent: false,
      decision: () =>
        refuse ? problem(409, 'conflict', "Personality suggestion 's1' was applied already") : undefined,
    });
    await openChat(api.fetchImpl);
    const dismiss = await screen.findByRole('button', { name: 'Dismiss' });
    fireEvent.click(dismiss);
    expect(await screen.findByText(/was applied already/)).toBeTruthy();
    refuse = false;
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.queryByRole('complementary', { name: 'Personality suggestion' })).toBeNull());
    expect(api.callsTo('POST', '/v1/conversations/c1/personality-suggestions/s1/dismiss')).toHaveLength(2);
  });
});
