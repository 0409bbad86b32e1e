import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
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
  document.title = '';
});

const chat = { ...conversation, title: 'Treasure maps' };
const agent = { id: 'agent-1', name: 'Captain', model: 'offline' };

async function renderShell(path: string, handlers: Parameters<typeof fakeApi>[0] = {}) {
  const server = fakeApi({
    'GET /v1/conversations': () => pageOf([chat]),
    'GET /v1/conversations/c1': () => Response.json(chat),
    'GET /v1/conversations/c1/messages': () => Response.json({ items: [], olderCursor: null, newerCursor: null }),
    'GET /v1/agents': () => pageOf([agent]),
    ...handlers,
  });
  const services = createAppServices(server.fetchImpl);
  await services.sessions.refresh();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const view = render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[path]}>
          <Shell />
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return { ...view, server, queryClient };
}

const renderShellAtChat = () => renderShell('/chat');
const menuToggle = () => screen.getByRole('button', { name: 'Menu' });
const isMenuOpen = () => menuToggle().getAttribute('aria-expanded') === 'true';
const announcer = () => document.querySelector('.route-announcer');
const wait = { timeout: 5_000 };

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

  it('gives focus back to ☰ when closed with Escape from one of its links', async () => {
    await renderShellAtChat();
    fireEvent.click(menuToggle());
    const link = within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Agents' });
    link.focus();

    fireEvent.keyDown(link, { key: 'Escape' });
    expect(isMenuOpen()).toBe(false);
    expect(document.activeElement).toBe(menuToggle());
  });

  it('closes when a chat under it is chosen', async () => {
    await renderShellAtChat();
    const chatLink = await screen.findByRole('link', { name: /Treasure maps/ }, wait);
    fireEvent.click(menuToggle());
    expect(isMenuOpen()).toBe(true);

    fireEvent.click(chatLink);
    expect(await screen.findByRole('heading', { name: 'Treasure maps' }, wait)).toBeTruthy();
    expect(isMenuOpen()).toBe(false);
  });
});

describe('skip link', () => {
  it('is the first thing to Tab to, and moves focus to the main content', async () => {
    const { container } = await renderShell('/agents');
    const skipLink = screen.getByRole('link', { name: 'Skip to content' });
    expect(container.querySelector('a[href], button, input, select, textarea')).toBe(skipLink);

    fireEvent.click(skipLink);
    expect(document.activeElement).toBe(screen.getByRole('main'));
  });
});

describe('a change of screen', () => {
  it('moves focus lost with the link that navigated to the new page’s heading, and announces it', async () => {
    await renderShell('/agents');
    const newAgent = await screen.findByRole('link', { name: 'New agent' }, wait);
    newAgent.focus();

    fireEvent.click(newAgent);
    const heading = await screen.findByRole('heading', { name: 'New agent', level: 1 }, wait);
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(announcer()?.textContent).toBe('New agent');
    expect(document.title).toBe('New agent – Parley');
  });

  it('moves focus from nowhere to the new page’s heading, once it is there', async () => {
    await renderShell('/agents');
    const newAgent = await screen.findByRole('link', { name: 'New agent' }, wait);
    expect(document.activeElement).toBe(document.body);
    fireEvent.click(newAgent);

    const heading = await screen.findByRole('heading', { name: 'New agent', level: 1 }, wait);
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it('leaves focus where it is when it was not lost, and still announces the page', async () => {
    await renderShell('/agents');
    await screen.findByRole('heading', { name: 'Agents', level: 1 }, wait);
    const knowledge = within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Knowledge' });
    knowledge.focus();

    fireEvent.click(knowledge);
    await waitFor(() => expect(announcer()?.textContent).toBe('Knowledge'), wait);
    expect(document.activeElement).toBe(knowledge);
    expect(document.title).toBe('Knowledge – Parley');
  });

  it('titles a chat’s page after the chat, once it is read', async () => {
    await renderShell('/chat/c1');
    await waitFor(() => expect(document.title).toBe('Treasure maps – Parley'), wait);
  });
});

describe('focus lost with what held it', () => {
  const apiKey = {
    id: 'k1',
    name: 'CI bot',
    prefix: 'pk_live_7Qm2',
    role: 'member',
    userId: 'u-self',
    lastUsedAt: null,
    createdAt: '2025-01-01T10:00:00.000Z',
  };

  /** The API keys screen with one key, and a way to make it vanish from the list. */
  async function renderOneKey() {
    let keys = [apiKey];
    const view = await renderShell('/api-keys', {
      'GET /v1/api-keys': () => pageOf(keys),
      'DELETE /v1/api-keys/k1': () => {
        keys = [];
        return new Response(null, { status: 204 });
      },
    });
    const deleteButton = await screen.findByRole('button', { name: 'Delete CI bot' }, wait);
    const removeKey = async () => {
      keys = [];
      await view.queryClient.invalidateQueries();
      await screen.findByText('No API keys yet.', {}, wait);
    };
    return { deleteButton, removeKey };
  }
  const pageHeading = () => screen.getByRole('heading', { name: 'API keys' });

  it('goes to the page heading after a key is deleted in its dialog', async () => {
    const { deleteButton } = await renderOneKey();
    deleteButton.focus();
    fireEvent.click(deleteButton);
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete key' }));

    await screen.findByText('No API keys yet.', {}, wait);
    await waitFor(() => expect(document.activeElement).toBe(pageHeading()));
  });

  it('goes to the page heading when a refresh removes the focused button', async () => {
    const { deleteButton, removeKey } = await renderOneKey();
    deleteButton.focus();

    await removeKey();
    await waitFor(() => expect(document.activeElement).toBe(pageHeading()));
  });

  it('stays let go of when the button was left before a refresh removed it', async () => {
    const { deleteButton, removeKey } = await renderOneKey();
    deleteButton.focus();
    deleteButton.blur();

    await removeKey();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(document.activeElement).toBe(document.body);
  });
});
