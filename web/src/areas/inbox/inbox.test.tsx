import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, pageOf, problem, renderArea, type FakeCall } from '../../ui/test-harness';
import { insertCannedResponse, matchingCannedResponses, shortcodeAtCaret } from './canned-shortcodes';
import { readServerFrame } from '../../realtime/realtime-frames';
import { inboxArea } from './inbox-area';
import { readPendingEvent } from './pending-notifier';
import type { CannedResponse, Contact, SupportConversation, SupportEvent, SupportMessage } from './support-api';
import { buildTimeline } from './timeline';

afterEach(cleanup);

const supportId = '0f3c1d2e-4b5a-4c6d-8e7f-901234567890';
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const waiting: SupportConversation = {
  id: supportId,
  inboxId: 'a1b2c3d4-0000-4000-8000-000000000001',
  contactId: 'c0c0c0c0-0000-4000-8000-000000000001',
  conversationId: 'd0d0d0d0-0000-4000-8000-000000000001',
  status: 'pending',
  assigneeId: null,
  snoozedUntil: null,
  labels: [],
  statusChangedAt: minutesAgo(42),
  createdAt: minutesAgo(50),
  updatedAt: minutesAgo(42),
  summary: 'Wants a refund for order 1042.',
};
const contact: Contact = {
  id: waiting.contactId,
  name: 'Ada Lovelace',
  displayName: 'Ada Lovelace',
  erasedAt: null,
  visitor: null,
  email: 'ada@example.test',
  phone: '+44 20 1234 5678',
  externalId: 'cust-7',
  attributes: { plan: 'pro' },
  firstSeenAt: minutesAgo(500),
  lastSeenAt: minutesAgo(1),
  createdAt: minutesAgo(500),
  updatedAt: minutesAgo(1),
};
const refund: CannedResponse = {
  id: 'e0e0e0e0-0000-4000-8000-000000000001',
  shortcode: 'refund',
  content: 'Your refund is on its way.',
  createdAt: minutesAgo(100),
  updatedAt: minutesAgo(100),
};
const messages: SupportMessage[] = [
  { id: 'm1', role: 'contact', content: 'I want my money back', createdAt: minutesAgo(49) },
  { id: 'm2', role: 'assistant', content: 'Let me find a person for you.', createdAt: minutesAgo(48) },
];
const askedForPerson: SupportEvent = {
  id: 'ev1',
  actorKind: 'contact',
  actorId: null,
  action: 'request_human',
  from: 'bot',
  to: 'pending',
  assigneeId: null,
  reason: null,
  createdAt: minutesAgo(47),
};

const viewOf = (call: FakeCall) => new URLSearchParams(call.search).get('view');

/** A desk with one waiting conversation, answering the conversation's routes with `current`. */
function desk(current: () => SupportConversation, extra: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    'GET /v1/support-conversations': (call) => pageOf(viewOf(call) === 'mine' ? [] : [current()]),
    'GET /v1/support-conversations/counts': () => Response.json({ mine: 0, unassigned: 1, all: 1 }),
    'GET /v1/support-conversations/:id': () => Response.json(current()),
    'GET /v1/support-conversations/:id/messages': () => pageOf(messages),
    'GET /v1/support-conversations/:id/events': () => Response.json({ items: [askedForPerson] }),
    'GET /v1/support-conversations/:id/notes': () => Response.json({ items: [] }),
    'GET /v1/support-conversations/:id/rule-runs': () => Response.json({ items: [] }),
    'GET /v1/contacts/:id': () => Response.json(contact),
    'GET /v1/contacts/:id/conversations': () => Response.json({ items: [current()] }),
    'GET /v1/contacts/:id/memories': () => Response.json({ items: [] }),
    'GET /v1/canned-responses': () => Response.json({ items: [refund] }),
    ...extra,
  });
}

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(inboxArea.element, { fetchImpl: server.fetchImpl, areaPath: '/inbox', path });

describe('the Inbox queue', () => {
  it('shows the tabs with their counts, reads the chosen tab and status, and links each conversation', async () => {
    const server = desk(() => waiting);
    await open(server, '/inbox');
    // One waits unassigned: the queue opens there, where new conversations are.
    const link = await screen.findByRole('link', { name: /Ada Lovelace/ });
    const tabs = screen.getByRole('tablist', { name: 'Queue' });
    expect(within(tabs).getByRole('tab', { name: 'Unassigned 1' }).getAttribute('aria-selected')).toBe('true');
    expect(within(tabs).getByRole('tab', { name: 'Mine 0' })).toBeTruthy();
    expect(within(tabs).getByRole('tab', { name: 'All 1' })).toBeTruthy();
    // Only that tab was read: no Mine first, then a switch.
    expect(server.calls.filter((call) => call.path === '/v1/support-conversations').map(viewOf)).toEqual([
      'unassigned',
    ]);
    expect(link.getAttribute('href')).toBe(`/inbox/${supportId}`);
    expect(link.textContent).toContain('Waiting for a person');
    expect(link.textContent).toContain('42 min');
    expect(link.textContent).toContain('Wants a refund');

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'pending' } });
    await waitFor(() =>
      expect(
        server.calls.some((call) => call.search.includes('view=unassigned') && call.search.includes('status=pending')),
      ).toBe(true),
    );
    await waitFor(() =>
      expect(server.callsTo('GET', '/v1/support-conversations/counts').map((call) => call.search)).toContain(
        '?status=pending',
      ),
    );
    fireEvent.click(within(tabs).getByRole('tab', { name: /^Mine/ }));
    expect(await screen.findByText('No conversations here.')).toBeTruthy();
    expect(server.calls.filter((call) => call.path === '/v1/support-conversations').map(viewOf)).toEqual(
      expect.arrayContaining(['mine', 'unassigned']),
    );
  });

  it('shows where each conversation came in, and filters by channel and inbox', async () => {
    const server = desk(() => waiting, {
      'GET /v1/inboxes': () =>
        pageOf([
          { id: waiting.inboxId, name: 'Billing mail', kind: 'email' },
          { id: 'f0f0f0f0-0000-4000-8000-000000000009', name: 'Shop site', kind: 'widget' },
        ]),
    });
    await open(server, '/inbox');
    const link = await screen.findByRole('link', { name: /Ada Lovelace/ });
    await waitFor(() => expect(link.textContent).toContain('Email: Billing mail'));
    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: 'email' } });
    // The inbox filter offers the chosen channel's inboxes only.
    const inboxChoices = within(screen.getByRole('combobox', { name: 'Inbox' })).getAllByRole('option');
    expect(inboxChoices.map((option) => option.textContent)).toEqual(['Any inbox', 'Billing mail']);
    fireEvent.change(screen.getByRole('combobox', { name: 'Inbox' }), { target: { value: waiting.inboxId } });
    await waitFor(() => {
      const asked = server.callsTo('GET', '/v1/support-conversations').at(-1)?.search ?? '';
      expect(asked).toContain('channel=email');
      expect(asked).toContain(`inboxId=${waiting.inboxId}`);
    });
    await waitFor(() =>
      expect(server.callsTo('GET', '/v1/support-conversations/counts').at(-1)?.search).toBe(
        `?channel=email&inboxId=${waiting.inboxId}`,
      ),
    );
  });

  it('opens on Mine when nothing waits unassigned', async () => {
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/counts': () => Response.json({ mine: 2, unassigned: 0, all: 2 }),
    });
    await open(server, '/inbox');
    const tabs = await screen.findByRole('tablist', { name: 'Queue' });
    await waitFor(() =>
      expect(within(tabs).getByRole('tab', { name: 'Mine 2' }).getAttribute('aria-selected')).toBe('true'),
    );
    await waitFor(() =>
      expect(server.calls.filter((call) => call.path === '/v1/support-conversations').map(viewOf)).toEqual(['mine']),
    );
  });

  it('moves between tabs with the arrow keys', async () => {
    await open(
      desk(() => waiting),
      '/inbox',
    );
    const unassigned = await screen.findByRole('tab', { name: 'Unassigned 1' });
    await waitFor(() => expect(unassigned.getAttribute('aria-selected')).toBe('true'));
    unassigned.focus();
    fireEvent.keyDown(unassigned, { key: 'ArrowRight' });
    const all = screen.getByRole('tab', { name: /^All/ });
    expect(all.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(all);
  });
});

describe('a support conversation', () => {
  it('shows messages page after page with status lines, the summary, the contact and their facts', async () => {
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/:id/messages': (call) =>
        new URLSearchParams(call.search).get('after') === 'm1'
          ? Response.json({ items: messages.slice(1) })
          : Response.json({ items: messages.slice(0, 1), nextCursor: 'm1' }),
    });
    await open(server, `/inbox/${supportId}`);
    const log = await screen.findByRole('log', { name: 'Conversation with the contact' });
    expect(within(log).getByText('I want my money back')).toBeTruthy();
    expect(within(log).getByText('Let me find a person for you.')).toBeTruthy();
    expect(within(log).getByText(/A person was asked for: Waiting for a person/)).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Summary' }).textContent).toContain('Wants a refund for order 1042.');
    const contactPanel = screen.getByRole('region', { name: 'Contact' });
    expect(await within(contactPanel).findByText('ada@example.test')).toBeTruthy();
    expect(within(contactPanel).getByText('cust-7')).toBeTruthy();
    expect(within(contactPanel).getByText('pro')).toBeTruthy();
    expect(await within(contactPanel).findByText('No other conversations.')).toBeTruthy();
  });

  it('marks an AI reply a take cut short as stopped, and a complete one not', async () => {
    const cut: SupportMessage = {
      id: 'm3',
      role: 'assistant',
      content: 'Your order is on',
      status: 'stopped',
      createdAt: minutesAgo(46),
    };
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/:id/messages': () =>
        Response.json({ items: [...messages.map((message) => ({ ...message, status: 'complete' })), cut] }),
    });
    await open(server, `/inbox/${supportId}`);
    const log = await screen.findByRole('log', { name: 'Conversation with the contact' });
    const [complete, stopped] = await within(log).findAllByRole('article', { name: 'AI' });
    expect(within(stopped!).getByTitle('Stopped before it was finished').textContent).toContain('Stopped');
    expect(within(complete!).queryByTitle('Stopped before it was finished')).toBeNull();
  });

  it("saves a contact's file that is not an image under its name, read with the operator's token", async () => {
    const pdfId = 'c0c0c0c0-0000-4000-8000-00000000000f';
    const withFile: SupportMessage = {
      id: 'm3',
      role: 'contact',
      content: 'The invoice is attached',
      createdAt: minutesAgo(46),
      files: [{ fileId: pdfId, filename: 'invoice-1042.pdf', mediaType: 'application/pdf' }],
    };
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/:id/messages': () => pageOf([...messages, withFile]),
      'GET /v1/files/:id/content': (call) =>
        call.path === `/v1/files/${pdfId}/content`
          ? new Response('%PDF-1.4', { headers: { 'content-type': 'application/pdf' } })
          : problem(404, 'not_found', 'No such file'),
    });
    const saved: string[] = [];
    // jsdom has no object URLs: a URL class with them, put back after the test (test-setup.ts).
    vi.stubGlobal(
      'URL',
      class extends URL {
        static override createObjectURL = () => 'blob:file';
        static override revokeObjectURL = () => undefined;
      },
    );
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    await open(server, `/inbox/${supportId}`);
    const attachments = await screen.findByRole('list', { name: 'Attachments' });
    fireEvent.click(within(attachments).getByRole('button', { name: 'invoice-1042.pdf' }));
    await waitFor(() => expect(saved).toEqual(['invoice-1042.pdf']));
    expect(server.callsTo('GET', `/v1/files/${pdfId}/content`)).toHaveLength(1);
  });

  it("shows the contact's rating and comment on the conversation, and on their earlier ones", async () => {
    const rating = { rating: 2, comment: 'Took too long', ratedFor: 'operator' as const, ratedAt: minutesAgo(5) };
    const resolved = { ...waiting, status: 'resolved' as const, rating };
    const earlier = {
      ...waiting,
      id: 'a0a0a0a0-0000-4000-8000-000000000002',
      rating: { ...rating, rating: 5, comment: null },
    };
    const server = desk(() => resolved, {
      'GET /v1/contacts/:id/conversations': () => Response.json({ items: [resolved, earlier] }),
    });
    await open(server, `/inbox/${supportId}`);
    const shown = await screen.findByRole('region', { name: 'Rating' });
    expect(within(shown).getByLabelText('Rated 2 out of 5').textContent).toContain('★★☆☆☆ 2/5');
    expect(within(shown).getByText('Took too long')).toBeTruthy();
    const contactPanel = screen.getByRole('region', { name: 'Contact' });
    expect((await within(contactPanel).findByLabelText('Rated 5 out of 5')).textContent).toContain('★★★★★ 5/5');
  });

  it('shows what the AI remembers about the contact, and forgets one fact on request', async () => {
    let remembered = [
      {
        id: '7a7a7a7a-0000-4000-8000-000000000001',
        agentId: '7a7a7a7a-0000-4000-8000-0000000000aa',
        content: 'Is allergic to peanuts',
        sourceMessageId: null,
        createdAt: '2026-01-01T10:00:00.000Z',
        updatedAt: '2026-01-01T10:00:00.000Z',
      },
    ];
    const server = desk(() => waiting, {
      'GET /v1/contacts/:id/memories': () => Response.json({ items: remembered }),
      'DELETE /v1/contacts/:id/memories/:memoryId': () => {
        remembered = [];
        return new Response(null, { status: 204 });
      },
    });
    await open(server, `/inbox/${supportId}`);
    const contactPanel = await screen.findByRole('region', { name: 'Contact' });
    const list = await within(contactPanel).findByRole('list', { name: 'What the AI remembers about the contact' });
    expect(within(list).getByText('Is allergic to peanuts')).toBeTruthy();
    fireEvent.click(within(list).getByRole('button', { name: 'Forget "Is allergic to peanuts"' }));
    expect(await within(contactPanel).findByText('The AI remembers nothing about this contact.')).toBeTruthy();
    expect(
      server.callsTo('DELETE', `/v1/contacts/${contact.id}/memories/${'7a7a7a7a-0000-4000-8000-000000000001'}`),
    ).toHaveLength(1);
  });

  it('takes the conversation, and shows the server’s sentence when someone else was first', async () => {
    let takes = 0;
    let current = waiting;
    const server = desk(() => current, {
      'POST /v1/support-conversations/:id/take': () => {
        if (++takes === 1) {
          return problem(
            409,
            'conflict',
            'Support conversation cannot be taken: it is already assigned to an operator; transfer it instead',
          );
        }
        current = { ...waiting, status: 'open', assigneeId: 'u-self' };
        return Response.json(current);
      },
    });
    await open(server, `/inbox/${supportId}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Take' }));
    expect((await screen.findByRole('alert')).textContent).toContain('it is already assigned to an operator');
    fireEvent.click(screen.getByRole('button', { name: 'Take' }));
    expect(await screen.findByRole('button', { name: 'Transfer…' })).toBeTruthy();
    expect(document.querySelector('.support-head p')?.textContent).toBe('Open · You');
    expect(screen.queryByRole('button', { name: 'Take' })).toBeNull();
  });

  it('shows which routing rules acted and changes the priority with PATCH', async () => {
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/:id/rule-runs': () =>
        Response.json({
          items: [
            {
              id: '0d0d0d0d-0000-4000-8000-000000000001',
              ruleId: null,
              ruleName: 'Invoices to Billing',
              trigger: 'contact_message',
              triggerKey: 'message:m-1',
              depth: 0,
              outcomes: [{ action: "add label 'billing'", outcome: 'done' }],
              createdAt: '2026-01-01T10:00:00.000Z',
            },
          ],
        }),
      'PATCH /v1/support-conversations/:id': () => Response.json({ ...waiting, priority: 'urgent' }),
    });
    await open(server, `/inbox/${supportId}`);
    const rules = await screen.findByRole('list', { name: 'Rules that acted' });
    expect(rules.textContent).toContain('Invoices to Billing');
    expect(rules.textContent).toContain("add label 'billing': done");
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'urgent' } });
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/support-conversations/${supportId}`)).toHaveLength(1));
    expect(server.callsTo('PATCH', `/v1/support-conversations/${supportId}`)[0]?.body).toEqual({ priority: 'urgent' });
  });

  it('snoozes until a chosen time and shows a 422 in the dialog', async () => {
    const server = desk(() => ({ ...waiting, status: 'open', assigneeId: 'u-self' }), {
      'POST /v1/support-conversations/:id/snooze': () =>
        problem(422, 'validation_failed', 'The request is not valid', [
          { field: 'until', message: 'must be in the future' },
        ]),
    });
    await open(server, `/inbox/${supportId}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Snooze…' }));
    const dialog = screen.getByRole('dialog', { name: 'Snooze the conversation' });
    fireEvent.change(within(dialog).getByLabelText('Until'), { target: { value: '2020-01-01T09:00' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Snooze' }));
    expect(await within(dialog).findByText('must be in the future')).toBeTruthy();
    expect(server.callsTo('POST', `/v1/support-conversations/${supportId}/snooze`)[0]?.body).toEqual({
      until: new Date('2020-01-01T09:00').toISOString(),
    });
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('assigns to an operator chosen from GET /v1/operators, never the admin-only user list', async () => {
    const operator = {
      id: 'b1b1b1b1-0000-4000-8000-000000000001',
      name: 'Olga',
      role: 'operator',
      presence: 'online',
      openConversations: 1,
    };
    const server = desk(() => waiting, {
      'GET /v1/operators': () => Response.json({ items: [operator] }),
      'POST /v1/support-conversations/:id/assign': () =>
        Response.json({ ...waiting, status: 'open', assigneeId: operator.id }),
    });
    await open(server, `/inbox/${supportId}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Assign…' }));
    const dialog = screen.getByRole('dialog', { name: 'Assign to an operator' });
    const picker = within(dialog).getByLabelText<HTMLSelectElement>('Operator');
    await within(dialog).findByRole('option', { name: 'Olga (online)' });
    expect(server.callsTo('GET', '/v1/users')).toHaveLength(0);
    fireEvent.change(picker, { target: { value: operator.id } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Assign' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(server.callsTo('POST', `/v1/support-conversations/${supportId}/assign`)[0]?.body).toEqual({
      operatorId: operator.id,
    });
  });

  it('inserts a canned response for /shortcode, and sends the reply', async () => {
    const server = desk(() => ({ ...waiting, status: 'open', assigneeId: 'u-self' }), {
      'POST /v1/support-conversations/:id/messages': () =>
        Response.json({ id: 'm3', role: 'operator', content: 'x', createdAt: minutesAgo(0) }, { status: 201 }),
    });
    await open(server, `/inbox/${supportId}`);
    const box = await screen.findByRole<HTMLTextAreaElement>('combobox', { name: 'Reply' });
    await waitFor(() => expect(server.callsTo('GET', '/v1/canned-responses')).toHaveLength(1));
    fireEvent.change(box, { target: { value: 'Hello! /ref', selectionStart: 11 } });
    const suggestions = await screen.findByRole('listbox', { name: 'Canned responses' });
    const option = within(suggestions).getByRole('option', { name: /\/refund/ });
    expect(option.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('Hello! Your refund is on its way.');
    expect(screen.queryByRole('listbox', { name: 'Canned responses' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(box.value).toBe(''));
    const sent = server.callsTo('POST', `/v1/support-conversations/${supportId}/messages`)[0]?.body as {
      content: string;
    };
    expect(sent.content).toBe('Hello! Your refund is on its way.');
  });

  it('fills the reply box with the suggested draft, for editing', async () => {
    const server = desk(() => ({ ...waiting, status: 'open', assigneeId: 'u-self' }), {
      'POST /v1/support-conversations/:id/reply-suggestion': () => Response.json({ draft: 'Sorry for the wait!' }),
    });
    await open(server, `/inbox/${supportId}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Suggest a reply' }));
    const box = screen.getByRole<HTMLTextAreaElement>('combobox', { name: 'Reply' });
    await waitFor(() => expect(box.value).toBe('Sorry for the wait!'));
    expect(screen.queryByRole('button', { name: 'Send' })?.hasAttribute('disabled')).toBe(false);
  });

  it('writes a private note, kept apart and marked as never shown to the contact', async () => {
    const notes: { id: string; authorId: string; body: string; createdAt: string }[] = [];
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/:id/notes': () => Response.json({ items: notes }),
      'POST /v1/support-conversations/:id/notes': (call) => {
        notes.push({
          id: 'n1',
          authorId: 'u-self',
          body: (call.body as { body: string }).body,
          createdAt: minutesAgo(0),
        });
        return Response.json(notes[0], { status: 201 });
      },
    });
    await open(server, `/inbox/${supportId}`);
    const panel = await screen.findByRole('region', { name: 'Private notes' });
    expect(panel.textContent).toContain('never shown to the contact');
    fireEvent.change(within(panel).getByLabelText('New note'), { target: { value: 'VIP customer' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Add note' }));
    expect(await within(panel).findByText('VIP customer')).toBeTruthy();
    expect(within(screen.getByRole('log')).queryByText('VIP customer')).toBeNull();
  });

  it('adds and removes labels, replacing the whole set', async () => {
    let current: SupportConversation = { ...waiting, labels: ['billing'] };
    const server = desk(() => current, {
      'PUT /v1/support-conversations/:id/labels': (call) => {
        current = { ...current, labels: (call.body as { labels: string[] }).labels };
        return Response.json(current);
      },
    });
    await open(server, `/inbox/${supportId}`);
    fireEvent.change(await screen.findByLabelText('New label'), { target: { value: 'refund' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add label' }));
    await screen.findByRole('button', { name: 'Remove label refund' });
    fireEvent.click(screen.getByRole('button', { name: 'Remove label billing' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove label billing' })).toBeNull());
    expect(server.callsTo('PUT', `/v1/support-conversations/${supportId}/labels`).map((call) => call.body)).toEqual([
      { labels: ['billing', 'refund'] },
      { labels: ['refund'] },
    ]);
  });

  it('says so when the conversation is not there', async () => {
    const server = desk(() => waiting, {
      'GET /v1/support-conversations/:id': () =>
        problem(404, 'not_found', `Support conversation '${supportId}' was not found`),
    });
    await open(server, `/inbox/${supportId}`);
    expect((await screen.findByRole('alert')).textContent).toBe(`Support conversation '${supportId}' was not found`);
  });
});

describe('the Inbox for members', () => {
  it('shows them nothing and asks the server nothing', async () => {
    const server = fakeApi({}, { role: 'member' });
    await renderArea(inboxArea.element, { fetchImpl: server.fetchImpl, areaPath: '/inbox', path: '/inbox' });
    expect(screen.getByText('The Inbox is for operators.')).toBeTruthy();
    expect(server.calls).toHaveLength(0);
  });
});

describe('canned shortcodes', () => {
  it('finds the /word at the caret only at a word start', () => {
    expect(shortcodeAtCaret('/re', 3)).toEqual({ start: 0, query: 're' });
    expect(shortcodeAtCaret('hi /', 4)).toEqual({ start: 3, query: '' });
    expect(shortcodeAtCaret('and/or', 6)).toBeNull();
    expect(shortcodeAtCaret('/refund now', 11)).toBeNull();
  });

  it('puts the exact match first and replaces only the typed word', () => {
    const other = { ...refund, id: 'x', shortcode: 'ref' };
    expect(matchingCannedResponses([refund, other], 'ref').map((each) => each.shortcode)).toEqual(['ref', 'refund']);
    expect(insertCannedResponse('a /re b', 2, 5, 'TEXT')).toEqual({ text: 'a TEXT b', caret: 6 });
  });
});

describe('the timeline', () => {
  it('orders messages and status changes by time, system messages as lines', () => {
    const system: SupportMessage = { id: 's', role: 'system', content: 'Ada joined', createdAt: minutesAgo(60) };
    const entries = buildTimeline([...messages, system], [askedForPerson]);
    expect(entries.map((entry) => entry.kind)).toEqual(['system', 'message', 'message', 'system']);
  });

  it('does not repeat a status change the server already sent as a system line', () => {
    const line: SupportMessage = {
      id: askedForPerson.id,
      role: 'system',
      content: 'A person was asked for',
      createdAt: askedForPerson.createdAt,
    };
    const entries = buildTimeline([...messages, line], [askedForPerson]);
    expect(entries.filter((entry) => entry.kind === 'system')).toEqual([
      { kind: 'system', id: askedForPerson.id, at: askedForPerson.createdAt, text: 'A person was asked for' },
    ]);
  });
});

describe('the pending notification', () => {
  it('reads a support-pending frame from the operator’s channel', () => {
    const frame = readServerFrame(
      JSON.stringify({
        type: 'support-pending',
        supportConversationId: supportId,
        conversationId: waiting.conversationId,
        contact: { id: contact.id, name: 'Ada' },
        summary: 'Refund',
      }),
    );
    expect(frame.kind).toBe('user');
    if (frame.kind !== 'user') return;
    expect(readPendingEvent(frame.frame)).toEqual({ supportId, contactName: 'Ada', summary: 'Refund' });
    expect(readPendingEvent({ type: 'conversation-created', conversationId: supportId })).toBeNull();
  });
});
