import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import type { Inbox } from './inboxes-api';
import { inboxSettingsArea } from './inbox-settings-area';

afterEach(cleanup);

const emailInbox: Inbox = {
  id: '5a5a5a5a-0000-4000-8000-000000000002',
  name: 'Help',
  kind: 'email',
  emailAddress: 'help@shop.example',
  agentId: null,
  allowedOrigins: [],
  widget: { title: 'Help', color: '#2563eb', greeting: '' },
  businessHours: null,
  handoff: { keywords: ['human'], onAiFailure: 'handover', noAnswerReply: '' },
  csatEnabled: false,
  citations: 'titles',
  memory: false,
  signingSecretRotatedAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

describe('Inbox settings for an email inbox', () => {
  it('asks for the address, sends it, and shows the inbox without the widget’s settings or secret', async () => {
    let inboxes: Inbox[] = [];
    const server = fakeApi({
      'GET /v1/inboxes': () => pageOf(inboxes),
      'GET /v1/inboxes/:id': () => Response.json(emailInbox),
      'GET /v1/agents': () => pageOf([]),
      'POST /v1/inboxes': () => {
        inboxes = [emailInbox];
        return Response.json({ ...emailInbox, signingSecret: 'pis_secret' }, { status: 201 });
      },
    });
    await renderArea(inboxSettingsArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/inbox-settings',
      path: '/inbox-settings/inboxes/new',
    });
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Help' } });
    expect(screen.queryByLabelText('Email address')).toBeNull();
    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: 'email' } });
    expect(screen.queryByLabelText('Allowed origins')).toBeNull();
    fireEvent.change(screen.getByLabelText('Email address'), { target: { value: ' help@shop.example ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create inbox' }));

    expect(await screen.findByRole('heading', { name: 'Inbox Help' })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/inboxes')[0]?.body).toMatchObject({
      name: 'Help',
      kind: 'email',
      emailAddress: 'help@shop.example',
    });
    expect(document.body.innerHTML).not.toContain('pis_secret');
    expect(screen.getByRole('heading', { name: 'Email' })).toBeTruthy();
    expect(screen.getAllByText('help@shop.example').length).toBeGreaterThan(0);
    expect(screen.queryByLabelText('Embed snippet')).toBeNull();
  });

  it('edits the acknowledgement by mail per language, keeping the default where a box stays empty', async () => {
    const server = fakeApi({
      'GET /v1/inboxes': () => pageOf([emailInbox]),
      'GET /v1/inboxes/:id': () => Response.json(emailInbox),
      'GET /v1/agents': () => pageOf([]),
      'PATCH /v1/inboxes/:id': () => Response.json(emailInbox),
    });
    await renderArea(inboxSettingsArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/inbox-settings',
      path: `/inbox-settings/inboxes/${emailInbox.id}`,
    });
    const chinese = await screen.findByLabelText<HTMLTextAreaElement>('Acknowledgement (Chinese)');
    expect(screen.getByLabelText<HTMLTextAreaElement>('Acknowledgement (English)').placeholder).toContain(
      'Thank you for your mail',
    );
    fireEvent.change(chinese, { target: { value: '收到，我们会尽快回复。' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save inbox' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PATCH', `/v1/inboxes/${emailInbox.id}`)[0]?.body).toMatchObject({
      widget: { texts: { zh: { emailAcknowledgement: '收到，我们会尽快回复。' } } },
    });
  });
});
