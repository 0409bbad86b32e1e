import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRouter } from 'react-router';
import { createAppServices, ServicesProvider } from '../app-context';
import { conversation } from '../areas/chat/chat-test-support';
import { fakeApi, pageOf } from '../ui/test-harness';
import { Shell } from './shell';

// A chosen theme, so the shell need not ask matchMedia (which jsdom lacks) for the system's.
beforeEach(() => localStorage.setItem('parley-theme', 'light'));
afterEach(() => {
  cleanup();
  localStorage.clear();
});

const chat = { ...conversation, title: 'Treasure maps' };

async function renderShellAtChat() {
  const server = fakeApi({
    'GET /v1/conversations': () => pageOf([chat]),
    'GET /v1/conversations/c1': () => Response.json(chat),
    'GET /v1/conversations/c1/messages': () => Response.json({ items: [], olderCursor: null, newerCursor: null }),
    'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Captain', model: 'offline' }]),
  });
  const services = createAppServices(server.fetchImpl);
  await services.sessions.refresh();
  render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={['/chat']}>
          <Shell />
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
}

const menuToggle = () => screen.getByRole('button', { name: 'Menu' });
const isMenuOpen = () => menuToggle().getAttribute('aria-expanded') === 'true';

describe('phone menu', () => {
  it('closes with Escape', async () => {
    await renderShellAtChat();
    fireEvent.click(menuToggle());
    expect(isMenuOpen()).toBe(true);
    expect(screen.getByRole('navigation', { name: 'Main' }).className).toContain('open');

    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(isMenuOpen()).toBe(false);
    expect(screen.getByRole('navigation', { name: 'Main' }).className).not.toContain('open');
  });

  it('closes when a chat under it is chosen', async () => {
    await renderShellAtChat();
    const chatLink = await screen.findByRole('link', { name: /Treasure maps/ }, { timeout: 5_000 });
    fireEvent.click(menuToggle());
    expect(isMenuOpen()).toBe(true);

    fireEvent.click(chatLink);
    expect(await screen.findByRole('heading', { name: 'Treasure maps' }, { timeout: 5_000 })).toBeTruthy();
    expect(isMenuOpen()).toBe(false);
  });
});
