import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { addConsoleStylesheet, clickTwice, fakeApi, pageOf, renderArea, type FakeCall } from '../../ui/test-harness';
import type { Conversation } from './chat-api';
import { ChatArea } from './chat-area';

afterEach(cleanup);

const conversationNamed = (id: string, title: string | null, overrides: Partial<Conversation> = {}): Conversation => ({
  id,
  ownerId: 'u-self',
  agentId: 'agent-1',
  projectId: null,
  title,
  messageCount: 2,
  archived: false,
  archivedAt: null,
  lastActivityAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...overrides,
});

const query = (call: FakeCall) => new URLSearchParams(call.search);
const emptyHistory = () => Response.json({ items: [], olderCursor: null, newerCursor: null });

function renderChats(handlers: Parameters<typeof fakeApi>[0], path = '/chat', user?: Parameters<typeof fakeApi>[1]) {
  const api = fakeApi(
    {
      'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Captain', model: 'offline' }]),
      ...handlers,
    },
    user,
  );
  return { api, view: renderArea(<ChatArea />, { fetchImpl: api.fetchImpl, areaPath: '/chat', path }) };
}

/** The chat 'Doomed' open, on a server that deletes it once (a second DELETE is a 404, as for real). */
function renderDoomedChat() {
  let isDeleted = false;
  return renderChats(
    {
      'GET /v1/conversations': () => pageOf(isDeleted ? [] : [conversationNamed('c1', 'Doomed')]),
      'GET /v1/conversations/c1': () => Response.json(conversationNamed('c1', 'Doomed')),
      'GET /v1/conversations/c1/messages': emptyHistory,
      'DELETE /v1/conversations/c1': () => {
        if (isDeleted) return Response.json({ code: 'not_found', detail: 'Gone' }, { status: 404 });
        isDeleted = true;
        return new Response(null, { status: 204 });
      },
    },
    '/chat/c1',
  );
}

describe('conversation list', () => {
  it('lists conversations a page at a time, with a Load more button', async () => {
    const { api } = renderChats({
      'GET /v1/conversations': (call) =>
        query(call).get('cursor') === 'next-1'
          ? pageOf([conversationNamed('c3', 'Third')])
          : Response.json({
              items: [conversationNamed('c1', 'First'), conversationNamed('c2', null)],
              nextCursor: 'next-1',
            }),
    });

    await screen.findByRole('link', { name: /First/ });
    expect(screen.getByRole('link', { name: /Untitled chat/ })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));

    await screen.findByRole('link', { name: /Third/ });
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(api.callsTo('GET', '/v1/conversations').map((call) => query(call).get('archived'))).toEqual([
      'false',
      'false',
    ]);
  });

  it('searches by title once typing pauses, and lists the archived ones on request', async () => {
    const { api } = renderChats({
      'GET /v1/conversations': (call) =>
        query(call).get('archived') === 'true'
          ? pageOf([conversationNamed('c9', 'Old news', { archived: true })])
          : pageOf(query(call).get('q') ? [] : [conversationNamed('c1', 'First')]),
    });
    await screen.findByRole('link', { name: /First/ });

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search chats' }), { target: { value: 'pir' } });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search chats' }), { target: { value: 'pirates' } });

    await screen.findByText('No chats have “pirates” in their title.');
    expect(api.callsTo('GET', '/v1/conversations').map((call) => query(call).get('q'))).toEqual([null, 'pirates']);

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search chats' }), { target: { value: '' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Show archived' }));
    await screen.findByRole('link', { name: /Old news/ });
  });

  it('says so, and points to Agents, when there is no agent to chat with', async () => {
    renderChats({
      'GET /v1/conversations': () => pageOf([]),
      'GET /v1/agents': () => pageOf([]),
    });
    await screen.findByText('No chats yet. Start one with New chat.');

    fireEvent.click(screen.getByRole('button', { name: 'New chat' }));

    await screen.findByText(/There are no agents to chat with yet/);
    expect(screen.getByRole('button', { name: 'Create an assistant and chat' })).toBeTruthy();
    const createAgent = screen.getByRole('link', { name: 'Agents' });
    expect(createAgent.getAttribute('href')).toBe('/agents');
    // Like the agent picker: focus moves into the panel, and Escape closes it.
    expect(document.activeElement).toBe(createAgent);
    fireEvent.keyDown(createAgent, { key: 'Escape' });
    expect(screen.queryByText(/There are no agents to chat with yet/)).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'New chat' })));
  });

  it('starts a new chat with the picked agent and opens it', async () => {
    const created = conversationNamed('c-new', null, { messageCount: 0 });
    const { api } = renderChats({
      'GET /v1/conversations': () => pageOf([]),
      'GET /v1/agents': () =>
        pageOf([
          { id: 'agent-1', name: 'Captain', model: 'offline' },
          { id: 'agent-2', name: 'Navigator', model: 'offline' },
        ]),
      'POST /v1/conversations': () => Response.json(created, { status: 201 }),
      'GET /v1/conversations/c-new': () => Response.json({ ...created, agentId: 'agent-2' }),
      'GET /v1/conversations/c-new/messages': emptyHistory,
    });
    fireEvent.click(await screen.findByRole('button', { name: 'New chat' }));
    fireEvent.change(await screen.findByRole('combobox', { name: 'Agent' }), { target: { value: 'agent-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start chat' }));

    await screen.findByRole('heading', { name: 'Untitled chat' });
    expect(api.callsTo('POST', '/v1/conversations').map((call) => call.body)).toEqual([{ agentId: 'agent-2' }]);
    expect(await screen.findByRole('textbox', { name: 'Message' })).toBeTruthy();
    expect(screen.getByText(/No messages yet\. Ask Navigator anything/)).toBeTruthy();
  });

  it('renames and archives through the actions menu', async () => {
    let title = 'First';
    const { api } = renderChats({
      'GET /v1/conversations': () => pageOf([conversationNamed('c1', title)]),
      'PATCH /v1/conversations/c1': (call) => {
        const body = call.body as { title?: string };
        if (body.title) title = body.title;
        return Response.json(conversationNamed('c1', title));
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Actions for First' }));
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Title' }), { target: { value: 'Treasure maps' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await screen.findByRole('link', { name: /Treasure maps/ });
    fireEvent.click(screen.getByRole('button', { name: 'Actions for Treasure maps' }));
    fireEvent.click(screen.getByRole('button', { name: 'Archive' }));

    await waitFor(() => expect(api.callsTo('PATCH', '/v1/conversations/c1')).toHaveLength(2));
    expect(api.callsTo('PATCH', '/v1/conversations/c1').map((call) => call.body)).toEqual([
      { title: 'Treasure maps' },
      { archived: true },
    ]);
  });

  it("offers an operator no actions on someone else's chat, which the server would refuse", async () => {
    const chats = [conversationNamed('c1', 'Mine'), conversationNamed('c2', 'Theirs', { ownerId: 'u-other' })];
    renderChats({ 'GET /v1/conversations': () => pageOf(chats) }, '/chat', { role: 'operator' });
    await screen.findByRole('link', { name: /Theirs/ });
    expect(screen.getByRole('button', { name: 'Actions for Mine' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Actions for Theirs' })).toBeNull();
    cleanup();

    renderChats({ 'GET /v1/conversations': () => pageOf(chats) }, '/chat', { role: 'tenant_admin' });
    expect(await screen.findByRole('button', { name: 'Actions for Theirs' })).toBeTruthy();
  });

  it('deletes only after a confirmation, and leaves the open conversation', async () => {
    const { api } = renderDoomedChat();
    await screen.findByRole('heading', { name: 'Doomed' });
    fireEvent.click(await screen.findByRole('button', { name: 'Actions for Doomed' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(api.callsTo('DELETE', '/v1/conversations/c1')).toHaveLength(0);

    const confirm = screen.getByRole('group', { name: 'Delete Doomed?' });
    expect(confirm.textContent).toContain('This cannot be undone');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete' }));

    await screen.findByText('Pick a chat from the list, or start one with New chat.');
    expect(api.callsTo('DELETE', '/v1/conversations/c1')).toHaveLength(1);
    await screen.findByText('No chats yet. Start one with New chat.');
  });

  it('starts one chat on a double-click of Start chat', async () => {
    const created = conversationNamed('c-new', null, { messageCount: 0 });
    const { api } = renderChats({
      'GET /v1/conversations': () => pageOf([]),
      'POST /v1/conversations': () => Response.json(created, { status: 201 }),
      'GET /v1/conversations/c-new': () => Response.json(created),
      'GET /v1/conversations/c-new/messages': emptyHistory,
    });
    fireEvent.click(await screen.findByRole('button', { name: 'New chat' }));
    await screen.findByRole('combobox', { name: 'Agent' });
    clickTwice(screen.getByRole('button', { name: 'Start chat' }));

    await screen.findByRole('heading', { name: 'Untitled chat' });
    expect(api.callsTo('POST', '/v1/conversations')).toHaveLength(1);
  });

  it('sends one DELETE on a double-click of the confirming Delete, and leaves the deleted chat', async () => {
    const { api } = renderDoomedChat();
    fireEvent.click(await screen.findByRole('button', { name: 'Actions for Doomed' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    clickTwice(within(screen.getByRole('group', { name: 'Delete Doomed?' })).getByRole('button', { name: 'Delete' }));

    await screen.findByText('Pick a chat from the list, or start one with New chat.');
    expect(api.callsTo('DELETE', '/v1/conversations/c1')).toHaveLength(1);
  });

  it('closes the delete question and the actions menu with Escape, focus back on ⋯', async () => {
    const { api } = renderChats({ 'GET /v1/conversations': () => pageOf([conversationNamed('c1', 'Kept')]) });
    const menuButton = await screen.findByRole('button', { name: 'Actions for Kept' });
    fireEvent.click(menuButton);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const confirm = screen.getByRole('group', { name: 'Delete Kept?' });
    fireEvent.keyDown(within(confirm).getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Delete Kept?' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(menuButton));

    fireEvent.click(menuButton);
    fireEvent.keyDown(menuButton, { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Actions for Kept' })).toBeNull();
    expect(api.callsTo('DELETE', '/v1/conversations/c1')).toHaveLength(0);
  });

  it('closes the New chat agent picker with Escape, focus back on New chat', async () => {
    renderChats({ 'GET /v1/conversations': () => pageOf([]) });
    const newChat = await screen.findByRole('button', { name: 'New chat' });
    fireEvent.click(newChat);
    fireEvent.keyDown(await screen.findByRole('combobox', { name: 'Agent' }), { key: 'Escape' });
    expect(screen.queryByRole('form', { name: 'New chat' })).toBeNull();
    expect(newChat.getAttribute('aria-expanded')).toBe('false');
    await waitFor(() => expect(document.activeElement).toBe(newChat));
  });

  it("cuts a long agent name in the chat's header short rather than widen it", async () => {
    const longName = 'Ω'.repeat(60);
    renderChats(
      {
        'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: longName, model: 'offline' }]),
        'GET /v1/conversations': () => pageOf([conversationNamed('c1', 'Long')]),
        'GET /v1/conversations/c1': () => Response.json(conversationNamed('c1', 'Long', { agentId: 'agent-1' })),
        'GET /v1/conversations/c1/messages': emptyHistory,
      },
      '/chat/c1',
    );
    const removeStylesheet = await addConsoleStylesheet();
    try {
      const agentName = await screen.findByText(`with ${longName}`);
      // jsdom lays nothing out: what it can show is that the flex item may shrink and hides its overflow.
      expect(getComputedStyle(agentName).minWidth).toBe('0px');
      expect(getComputedStyle(agentName).textOverflow).toBe('ellipsis');
    } finally {
      removeStylesheet();
    }
  });
});
