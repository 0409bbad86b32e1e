import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppServices, ServicesProvider } from '../../app-context';
import type { RealtimeClient } from '../../realtime/realtime-client';
import type { UserEvent } from '../../realtime/realtime-frames';
import { PendingNotifier } from './pending-notifier';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const supportId = '0f3c1d2e-4b5a-4c6d-8e7f-901234567890';

/** The console's services with a socket whose operator-channel frames the test sends itself. */
function withSocket() {
  const listeners = new Set<(event: UserEvent) => void>();
  const realtime = {
    onUserEvent: (listener: (event: UserEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as RealtimeClient;
  const services = { ...createAppServices(() => Promise.reject(new TypeError('offline'))), realtime };
  const queryClient = new QueryClient();
  const invalidated = vi.spyOn(queryClient, 'invalidateQueries');
  render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter>
          <PendingNotifier />
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  const send = (event: UserEvent) => act(() => listeners.forEach((listener) => listener(event)));
  return { send, invalidated };
}

describe('the pending notice', () => {
  it('shows a toast linking to the conversation that waits, refreshes the queue, and can be dismissed', () => {
    const { send, invalidated } = withSocket();
    send({ type: 'conversation-created', conversationId: supportId });
    expect(screen.getByRole('status').textContent).toBe('');
    send({
      type: 'support-pending',
      supportConversationId: supportId,
      conversationId: null,
      contact: { id: 'c1', name: 'Ada Lovelace' },
      summary: 'Wants a refund.',
    });
    const toast = screen.getByRole('status');
    expect(toast.textContent).toContain('Ada Lovelace is waiting for a person.');
    expect(toast.textContent).toContain('Wants a refund.');
    expect(screen.getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(`/inbox/${supportId}`);
    expect(invalidated).toHaveBeenCalledWith({ queryKey: ['support'] });
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('keeps the sound setting across visits', () => {
    withSocket();
    const sound = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Sound' });
    expect(sound.checked).toBe(false);
    fireEvent.click(sound);
    expect(localStorage.getItem('parley.inbox.sound')).toBe('on');
    cleanup();
    withSocket();
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'Sound' }).checked).toBe(true);
  });
});
