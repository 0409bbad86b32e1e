import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { Inbox } from './inboxes-api';
import { inboxSettingsArea } from './inbox-settings-area';

afterEach(cleanup);
const writeText = vi.fn((_text: string) => Promise.resolve());
beforeEach(() => {
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});

const inboxId = '5a5a5a5a-0000-4000-8000-000000000001';
const agentId = '6b6b6b6b-0000-4000-8000-000000000001';
const secret = 'whsec_9Vq2mXc0abcdefghijklmnopqrstuvwxyz012345';
const inbox: Inbox = {
  id: inboxId,
  name: 'Shop',
  kind: 'widget',
  emailAddress: null,
  agentId,
  allowedOrigins: ['https://shop.example'],
  widget: { title: 'Chat with us', color: '#2563eb', greeting: 'Hi! How can we help?' },
  businessHours: null,
  handoff: { keywords: ['human', 'agent'], onAiFailure: 'handover', noAnswerReply: '' },
  csatEnabled: false,
  citations: 'titles',
  memory: false,
  signingSecretRotatedAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

function settingsServer(extra: Parameters<typeof fakeApi>[0] = {}) {
  let inboxes: Inbox[] = [];
  return fakeApi({
    'GET /v1/inboxes': () => pageOf(inboxes),
    'GET /v1/inboxes/:id': () => Response.json(inbox),
    'GET /v1/agents': () => pageOf([{ id: agentId, name: 'Helper' }]),
    'POST /v1/inboxes': () => {
      inboxes = [inbox];
      return Response.json({ ...inbox, signingSecret: secret }, { status: 201 });
    },
    ...extra,
  });
}

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(inboxSettingsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/inbox-settings', path });

describe('Inbox settings', () => {
  it('creates an inbox, shows its signing secret once, then opens its settings without it', async () => {
    const server = settingsServer();
    const { queryClient } = await open(server, '/inbox-settings/inboxes/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Shop' } });
    await screen.findByRole('option', { name: 'Helper' });
    fireEvent.change(screen.getByLabelText('Answers first'), { target: { value: agentId } });
    fireEvent.change(screen.getByLabelText('Allowed origins'), { target: { value: 'https://shop.example\n' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Always open' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Ask for a rating when a conversation is resolved' }));
    fireEvent.change(screen.getByLabelText('Sources under an AI reply'), { target: { value: 'strip' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create inbox' }));

    const dialog = await screen.findByRole('dialog', { name: 'Signing secret of Shop' });
    expect(within(dialog).getByLabelText<HTMLTextAreaElement>('Signing secret').value).toBe(secret);
    expect(dialog.textContent).toContain("It won't be shown again.");
    const body = server.callsTo('POST', '/v1/inboxes')[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      name: 'Shop',
      agentId,
      allowedOrigins: ['https://shop.example'],
      csatEnabled: true,
      citations: 'strip',
      // Memory of contacts stays off unless the admin ticks it.
      memory: false,
      handoff: { onAiFailure: 'handover' },
    });
    expect((body.businessHours as { days: unknown[] }).days).toHaveLength(5);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(secret));

    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(await screen.findByRole('heading', { name: 'Inbox Shop' })).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(secret);
    await waitFor(() =>
      expect(
        JSON.stringify(
          queryClient
            .getMutationCache()
            .getAll()
            .map((mutation) => mutation.state.data),
        ),
      ).not.toContain(secret),
    );
  });

  it('shows the server’s sentence for a bad field', async () => {
    const server = settingsServer({
      'POST /v1/inboxes': () =>
        problem(422, 'validation_failed', 'The request is not valid', [
          {
            field: 'allowedOrigins.0',
            message: "must be an origin such as 'https://shop.example' (scheme and host, no path)",
          },
        ]),
    });
    await open(server, '/inbox-settings/inboxes/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Shop' } });
    fireEvent.change(screen.getByLabelText('Allowed origins'), { target: { value: 'shop.example/path' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create inbox' }));
    expect(await screen.findByText(/must be an origin such as/)).toBeTruthy();
    expect(screen.getByLabelText('Allowed origins').getAttribute('aria-invalid')).toBe('true');
  });

  it('offers the snippet to copy, rotates the secret after a confirmation, and shows the new one once', async () => {
    const server = settingsServer({
      'POST /v1/inboxes/:id/signing-secret': () =>
        Response.json({ ...inbox, signingSecret: secret, signingSecretRotatedAt: '2026-02-01T10:00:00.000Z' }),
    });
    await open(server, `/inbox-settings/inboxes/${inboxId}`);
    const snippet = await screen.findByLabelText<HTMLTextAreaElement>('Embed snippet');
    expect(snippet.value).toBe(
      `<script src="${window.location.origin}/widget.js" data-inbox="${inboxId}" async></script>`,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Copy snippet' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(snippet.value));

    fireEvent.click(screen.getByRole('button', { name: 'Rotate secret' }));
    const confirm = screen.getByRole('dialog', { name: 'Rotate the signing secret?' });
    expect(server.callsTo('POST', `/v1/inboxes/${inboxId}/signing-secret`)).toHaveLength(0);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Rotate' }));
    const reveal = await screen.findByRole('dialog', { name: 'Signing secret of Shop' });
    expect(within(reveal).getByLabelText<HTMLTextAreaElement>('Signing secret').value).toBe(secret);
    fireEvent.keyDown(reveal, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(secret);
  });

  it('frames the widget panel, naming the console as the page that embeds it', async () => {
    await open(settingsServer(), `/inbox-settings/inboxes/${inboxId}`);
    const frame = await screen.findByTitle('Widget preview');
    const origin = encodeURIComponent(window.location.origin);
    expect(frame.getAttribute('src')).toBe(`/widget/panel?inbox=${inboxId}&origin=${origin}`);
  });

  it('saves changes with PATCH', async () => {
    const server = settingsServer({
      'PATCH /v1/inboxes/:id': () =>
        Response.json({ ...inbox, name: 'Shop EU', updatedAt: '2026-03-01T10:00:00.000Z' }),
    });
    await open(server, `/inbox-settings/inboxes/${inboxId}`);
    const name = await screen.findByLabelText('Name');
    fireEvent.change(name, { target: { value: 'Shop EU' } });
    fireEvent.change(screen.getByLabelText('Handoff keywords'), { target: { value: 'human, 人工' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save inbox' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PATCH', `/v1/inboxes/${inboxId}`)[0]?.body).toMatchObject({
      name: 'Shop EU',
      handoff: { keywords: ['human', '人工'], onAiFailure: 'handover' },
    });
  });

  it("saves the widget's texts per language, only those written in", async () => {
    const server = settingsServer({
      'PATCH /v1/inboxes/:id': () => Response.json({ ...inbox, updatedAt: '2026-03-01T10:00:00.000Z' }),
    });
    await open(server, `/inbox-settings/inboxes/${inboxId}`);
    const send = await screen.findByLabelText('send (en)');
    expect(send.getAttribute('placeholder')).toBe('Send');
    expect(screen.getByLabelText('send (zh)').getAttribute('placeholder')).toBe('发送');
    fireEvent.change(send, { target: { value: 'Go' } });
    fireEvent.change(screen.getByLabelText('seen (zh)'), { target: { value: '看过了' } });
    fireEvent.change(screen.getByLabelText('typing (en)'), { target: { value: '  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save inbox' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PATCH', `/v1/inboxes/${inboxId}`)[0]?.body).toMatchObject({
      widget: { texts: { en: { send: 'Go' }, zh: { seen: '看过了' } } },
    });
  });

  it('saves reply-time targets, and empty fields as no targets', async () => {
    const server = settingsServer({
      'PATCH /v1/inboxes/:id': () => Response.json({ ...inbox, updatedAt: '2026-03-01T10:00:00.000Z' }),
    });
    await open(server, `/inbox-settings/inboxes/${inboxId}`);
    fireEvent.change(await screen.findByLabelText('First reply within'), { target: { value: '30' } });
    fireEvent.change(screen.getByLabelText('Resolved within'), { target: { value: '480' } });
    fireEvent.click(screen.getByLabelText('Count business hours only'));
    fireEvent.click(screen.getByRole('button', { name: 'Save inbox' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PATCH', `/v1/inboxes/${inboxId}`)[0]?.body).toMatchObject({
      replyTargets: { firstResponseMinutes: 30, resolutionMinutes: 480, isBusinessHoursOnly: true },
    });
    fireEvent.change(screen.getByLabelText('First reply within'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Resolved within'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save inbox' }));
    await waitFor(() => expect(server.callsTo('PATCH', `/v1/inboxes/${inboxId}`)).toHaveLength(2));
    expect(server.callsTo('PATCH', `/v1/inboxes/${inboxId}`)[1]?.body).toMatchObject({ replyTargets: null });
  });

  it('manages canned responses, showing a duplicate shortcode’s refusal', async () => {
    const responses: { id: string; shortcode: string; content: string }[] = [];
    const server = fakeApi({
      'GET /v1/canned-responses': () => Response.json({ items: responses }),
      'POST /v1/canned-responses': (call) => {
        const body = call.body as { shortcode: string; content: string };
        if (responses.some((each) => each.shortcode === body.shortcode)) {
          return problem(409, 'conflict', `A canned response '/${body.shortcode}' already exists`);
        }
        responses.push({ id: `r${responses.length}`, ...body });
        return Response.json(responses.at(-1), { status: 201 });
      },
      'DELETE /v1/canned-responses/:id': () => {
        responses.pop();
        return new Response(null, { status: 204 });
      },
    });
    await open(server, '/inbox-settings/canned-responses');
    expect(await screen.findByText('No canned responses yet.')).toBeTruthy();
    const add = () => {
      fireEvent.change(screen.getByLabelText('Shortcode'), { target: { value: 'refund' } });
      fireEvent.change(screen.getByLabelText('Text'), { target: { value: 'Your refund is on its way.' } });
      fireEvent.click(screen.getByRole('button', { name: 'Add canned response' }));
    };
    add();
    expect(await screen.findByRole('rowheader', { name: '/refund' })).toBeTruthy();
    add();
    expect((await screen.findByRole('alert')).textContent).toBe("A canned response '/refund' already exists");
    fireEvent.click(screen.getByRole('button', { name: 'Delete /refund' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('No canned responses yet.')).toBeTruthy();
  });

  it('creates an API inbox without the widget’s settings or secret, and shows where its system posts', async () => {
    const apiInbox: Inbox = { ...inbox, name: 'WhatsApp', kind: 'api', allowedOrigins: [] };
    let inboxes: Inbox[] = [];
    const server = settingsServer({
      'GET /v1/inboxes': () => pageOf(inboxes),
      'GET /v1/inboxes/:id': () => Response.json(apiInbox),
      'POST /v1/inboxes': () => {
        inboxes = [apiInbox];
        return Response.json({ ...apiInbox, signingSecret: secret }, { status: 201 });
      },
    });
    await open(server, '/inbox-settings/inboxes/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'WhatsApp' } });
    expect(screen.getByLabelText('Allowed origins')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: 'api' } });
    expect(screen.queryByLabelText('Allowed origins')).toBeNull();
    expect(screen.queryByLabelText('Greeting')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Create inbox' }));

    expect(await screen.findByRole('heading', { name: 'Inbox WhatsApp' })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/inboxes')[0]?.body).toMatchObject({ name: 'WhatsApp', kind: 'api' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(secret);
    expect(screen.getByText('API (your own system)')).toBeTruthy();
    expect(screen.queryByLabelText('Channel')).toBeNull();
    const endpoint = screen.getByLabelText<HTMLTextAreaElement>('Message endpoint');
    expect(endpoint.value).toBe(`${window.location.origin}/v1/inboxes/${inboxId}/messages`);
    expect(screen.getByLabelText<HTMLTextAreaElement>('Example request').value).toContain(`curl ${endpoint.value}`);
    expect(screen.queryByLabelText('Embed snippet')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Rotate secret' })).toBeNull();
    expect(screen.queryByTitle('Widget preview')).toBeNull();
  });

  it('lists each inbox with its channel', async () => {
    const server = settingsServer({
      'GET /v1/inboxes': () => pageOf([inbox, { ...inbox, id: agentId, name: 'WhatsApp', kind: 'api' }]),
    });
    await open(server, '/inbox-settings/inboxes');
    const row = (await screen.findByRole('rowheader', { name: 'WhatsApp' })).closest('tr')!;
    expect(within(row).getByText('API (your own system)')).toBeTruthy();
    const shop = screen.getByRole('rowheader', { name: 'Shop' }).closest('tr')!;
    expect(within(shop).getByText('Website widget')).toBeTruthy();
  });

  it('is for administrators only', async () => {
    const server = fakeApi({}, { role: 'operator' });
    await open(server, '/inbox-settings/inboxes');
    expect(screen.getByText('Inbox settings are for tenant administrators.')).toBeTruthy();
    expect(server.calls).toHaveLength(0);
  });
});
