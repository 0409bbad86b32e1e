import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { Contact, SupportConversation } from '../inbox/support-api';
import { contactsArea } from './contacts-area';

afterEach(cleanup);

const contact: Contact = {
  id: 'c0c0c0c0-0000-4000-8000-000000000001',
  name: 'Ada Lovelace',
  displayName: 'Ada Lovelace',
  erasedAt: null,
  visitor: null,
  email: 'ada@example.test',
  phone: null,
  externalId: 'cust-7',
  attributes: { plan: 'pro' },
  firstSeenAt: '2026-01-01T10:00:00.000Z',
  lastSeenAt: '2026-01-02T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-02T10:00:00.000Z',
};
const conversation: SupportConversation = {
  id: '0f3c1d2e-4b5a-4c6d-8e7f-901234567890',
  inboxId: 'a1b2c3d4-0000-4000-8000-000000000001',
  contactId: contact.id,
  conversationId: null,
  status: 'resolved',
  assigneeId: null,
  snoozedUntil: null,
  labels: ['billing'],
  statusChangedAt: '2026-01-02T10:00:00.000Z',
  createdAt: '2026-01-02T09:00:00.000Z',
  updatedAt: '2026-01-02T10:00:00.000Z',
};

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(contactsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/contacts', path });

describe('Contacts', () => {
  it('searches by the start of a name, email, phone or external id', async () => {
    const server = fakeApi(
      {
        'GET /v1/contacts': (call) => pageOf(new URLSearchParams(call.search).get('q') === 'nobody' ? [] : [contact]),
      },
      { role: 'operator' },
    );
    await open(server, '/contacts');
    expect(await screen.findByRole('link', { name: 'Ada Lovelace' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'nobody' } });
    expect(await screen.findByText('No contact matches.')).toBeTruthy();
    const searched = server.callsTo('GET', '/v1/contacts').at(-1);
    expect(new URLSearchParams(searched?.search).get('q')).toBe('nobody');
    expect(new URLSearchParams(searched?.search).get('limit')).toBe('50');
  });

  it('shows a contact with their conversations and saves an edit, showing a refusal first', async () => {
    let current = contact;
    let patches = 0;
    const server = fakeApi(
      {
        'GET /v1/contacts/:id': () => Response.json(current),
        'GET /v1/contacts/:id/conversations': () => Response.json({ items: [conversation] }),
        'PATCH /v1/contacts/:id': (call) => {
          if (++patches === 1) {
            return problem(422, 'validation_failed', 'The request is not valid', [
              { field: 'phone', message: "must be a phone number such as '+49 30 1234567'" },
            ]);
          }
          current = { ...current, ...(call.body as Partial<Contact>) };
          return Response.json(current);
        },
      },
      { role: 'operator' },
    );
    await open(server, `/contacts/${contact.id}`);
    expect(await screen.findByRole('heading', { name: 'Ada Lovelace' })).toBeTruthy();
    const conversations = await screen.findByRole('list', { name: 'Conversations of the contact' });
    expect(within(conversations).getByRole('link').getAttribute('href')).toBe(`/inbox/${conversation.id}`);
    expect(conversations.textContent).toContain('Resolved');

    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: 'call me' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(await screen.findByText("must be a phone number such as '+49 30 1234567'")).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '+44 20 1234 5678' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(await screen.findByText('+44 20 1234 5678')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit contact' })).toBeNull());
    expect(server.callsTo('PATCH', `/v1/contacts/${contact.id}`)[1]?.body).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.test',
      phone: '+44 20 1234 5678',
      externalId: 'cust-7',
      attributes: { plan: 'pro' },
    });
  });

  it('refuses attributes that are not JSON before asking the server', async () => {
    const server = fakeApi(
      {
        'GET /v1/contacts/:id': () => Response.json(contact),
        'GET /v1/contacts/:id/conversations': () => Response.json({ items: [] }),
      },
      { role: 'operator' },
    );
    await open(server, `/contacts/${contact.id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('Attributes'), { target: { value: '{plan: pro' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Attributes must be JSON');
    expect(server.callsTo('PATCH', `/v1/contacts/${contact.id}`)).toHaveLength(0);
  });
});
