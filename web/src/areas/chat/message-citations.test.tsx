import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeXhr } from '../../ui/fake-xhr';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { Citation, Conversation, StoredMessage } from './chat-api';
import { ChatArea } from './chat-area';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const conversation: Conversation = {
  id: 'c1',
  ownerId: 'u-self',
  agentId: 'agent-1',
  projectId: null,
  title: 'Leave',
  messageCount: 2,
  archived: false,
  archivedAt: null,
  lastActivityAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

const citation = (marker: number, overrides: Partial<Citation> = {}): Citation => ({
  marker,
  sourceId: 'ks1',
  documentId: `d${marker}`,
  documentTitle: `Handbook part ${marker}.pdf`,
  chunkId: `chunk-${marker}`,
  page: marker + 2,
  headingPath: ['Leave'],
  score: 0.5,
  excerpt: `Passage ${marker}: staff get 25 days of paid leave.`,
  ...overrides,
});

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
  citations: [],
  attachments: [],
  createdAt: '2026-01-01T10:00:00.000Z',
  completedAt: null,
  seq: 1,
  ...overrides,
});

/** A whole UI message stream answer, as the server's SSE writer sends it. */
const streamed = (parts: object[]) =>
  new Response([...parts.map((part) => `data: ${JSON.stringify(part)}\n\n`), 'data: [DONE]\n\n'].join(''), {
    headers: { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' },
  });

/** A passage as the server streams it, `Part <marker>.md`. */
function sourcePart(marker: number) {
  return {
    type: 'source-document',
    sourceId: `chunk-${marker}`,
    mediaType: 'text/plain',
    title: `Part ${marker}.md`,
    providerMetadata: {
      parley: { marker, knowledgeSourceId: 'ks1', documentId: `d${marker}`, page: null, headingPath: [], score: 0.4 },
    },
  };
}

/** A whole streamed reply: its passages first, as the server sends them, then its text. */
function replyParts(sources: readonly object[], text: string): object[] {
  return [
    { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', assistantMessageId: 'a1' } },
    { type: 'start-step' },
    ...sources,
    { type: 'text-start', id: 't1' },
    { type: 'text-delta', id: 't1', delta: text },
    { type: 'text-end', id: 't1' },
    { type: 'finish-step' },
    { type: 'finish', finishReason: 'stop', messageMetadata: { status: 'complete' } },
  ];
}

function chatServer(history: StoredMessage[], reply?: () => Response) {
  return fakeApi({
    'GET /v1/conversations': () => pageOf([conversation]),
    'GET /v1/conversations/c1': () => Response.json(conversation),
    'GET /v1/conversations/c1/messages': () => Response.json({ items: history, olderCursor: null, newerCursor: null }),
    'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Librarian', model: 'offline' }]),
    'POST /v1/conversations/c1/messages': () => reply?.() ?? problem(500, 'internal', 'No reply queued'),
  });
}

const openChat = (server: ReturnType<typeof fakeApi>) =>
  renderArea(<ChatArea />, { fetchImpl: server.fetchImpl, areaPath: '/chat', path: '/chat/c1' });

describe('citations under a reply', () => {
  it('numbers the cited sources and opens one with its excerpt, document and page', async () => {
    await openChat(
      chatServer([
        stored({ id: 'u1', role: 'user', content: 'How much leave?' }),
        stored({
          id: 'a1',
          content: 'Staff get 25 days [1]. Part-timers get a share [2].',
          citations: [citation(1), citation(2, { page: null, headingPath: ['Leave', 'Part-time'] })],
        }),
      ]),
    );
    const sources = await screen.findByRole('list', { name: 'Sources' });
    const chips = within(sources).getAllByRole('button');
    expect(chips.map((chip) => chip.textContent)).toEqual([
      '1Handbook part 1.pdf · p. 3',
      '2Handbook part 2.pdf · Part-time',
    ]);
    expect(screen.queryByRole('region', { name: /Source 1/ })).toBeNull();

    fireEvent.click(chips[0]!);
    const panel = screen.getByRole('region', { name: 'Source 1: Handbook part 1.pdf' });
    expect(panel.textContent).toContain('page 3 › Leave');
    expect(panel.textContent).toContain('Passage 1: staff get 25 days of paid leave.');
    expect(chips[0]!.getAttribute('aria-expanded')).toBe('true');

    // The [2] in the text opens the second source in the same place (once the markdown chunk has loaded).
    const marker = await screen.findByRole('button', { name: 'Source 2' }, { timeout: 5000 });
    expect(marker.textContent).toBe('[2]');
    fireEvent.click(marker);
    expect(screen.queryByRole('region', { name: /Source 1/ })).toBeNull();
    expect(screen.getByRole('region', { name: 'Source 2: Handbook part 2.pdf' }).textContent).toContain(
      'Leave › Part-time',
    );
    fireEvent.click(within(screen.getByRole('region', { name: /Source 2/ })).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('region', { name: /Source 2/ })).toBeNull();
  });

  it('makes each source of a group like [1, 2] its own button, and leaves a number that cites nothing as text', async () => {
    await openChat(
      chatServer([
        stored({
          id: 'a1',
          content: 'Both say so [1, 2]; this one does not exist [2, 9].',
          citations: [citation(1), citation(2)],
        }),
      ]),
    );
    const markers = await screen.findAllByRole('button', { name: /^Source \d$/ }, { timeout: 5000 });
    expect(markers.map((marker) => marker.textContent)).toEqual(['[1]', '[2]', '[2]']);
    expect(screen.getByRole('article', { name: 'Reply' }).textContent).toContain('[2][9]');
  });

  it('shows an excerpt with markup as text, and leaves brackets that cite nothing as text', async () => {
    await openChat(
      chatServer([
        stored({
          id: 'a1',
          content: 'See [1], not [7] and not `[1]` in code.',
          citations: [citation(1, { excerpt: '<img src=x onerror="alert(1)"> <b>bold</b>' })],
        }),
      ]),
    );
    const markers = await screen.findAllByRole('button', { name: /^Source \d$/ }, { timeout: 5000 });
    expect(markers.map((marker) => marker.textContent)).toEqual(['[1]']);
    const reply = screen.getByRole('article', { name: 'Reply' });
    expect(reply.querySelector('code')?.textContent).toBe('[1]');
    fireEvent.click(markers[0]!);
    const panel = screen.getByRole('region', { name: /Source 1/ });
    expect(panel.querySelector('img, b')).toBeNull();
    expect(panel.textContent).toContain('<img src=x onerror="alert(1)"> <b>bold</b>');
  });

  it('shows the sources a streamed reply cites, from its source-document parts, and what the search corrected', async () => {
    const parley = (marker: number) => ({
      parley: {
        marker,
        knowledgeSourceId: 'ks1',
        documentId: `d${marker}`,
        page: 4,
        headingPath: [],
        score: 0.4,
        excerpt: `Streamed passage ${marker}.`,
        queryCorrections: [{ from: 'Pasword', to: 'Password' }],
      },
    });
    const server = chatServer([], () =>
      streamed([
        { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', assistantMessageId: 'a1' } },
        { type: 'start-step' },
        {
          type: 'source-document',
          sourceId: 'chunk-1',
          mediaType: 'text/plain',
          title: 'Guide.md',
          providerMetadata: parley(1),
        },
        {
          type: 'source-document',
          sourceId: 'chunk-2',
          mediaType: 'text/plain',
          title: 'Other.md',
          providerMetadata: parley(2),
        },
        { type: 'text-start', id: 't1' },
        { type: 'text-delta', id: 't1', delta: 'The answer is 42 [1].' },
        { type: 'text-end', id: 't1' },
        { type: 'finish-step' },
        { type: 'finish', finishReason: 'stop', messageMetadata: { status: 'complete' } },
      ]),
    );
    await openChat(server);
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'What is the answer?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));

    const sources = await screen.findByRole('list', { name: 'Sources' });
    // Only the passage the text cites; the other was retrieved but not used.
    expect(
      within(sources)
        .getAllByRole('button')
        .map((chip) => chip.textContent),
    ).toEqual(['1Guide.md · p. 4']);
    expect(screen.getByText(/Searched for/).textContent).toBe('Searched for Password instead of Pasword.');
    fireEvent.click(await screen.findByRole('button', { name: 'Source 1' }, { timeout: 5000 }));
    expect(screen.getByRole('region', { name: 'Source 1: Guide.md' }).textContent).toContain('Streamed passage 1.');
  });

  it('shows no sources under a streamed reply that cites none, as the stored reply has none', async () => {
    const server = chatServer([], () =>
      streamed(replyParts([sourcePart(1)], "I couldn't find anything about that in the knowledge sources.")),
    );
    await openChat(server);
    fireEvent.change(await screen.findByRole('textbox', { name: 'Message' }), { target: { value: 'Quarks?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));

    await screen.findByText("I couldn't find anything about that in the knowledge sources.");
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Send' })).toBeTruthy());
    expect(screen.queryByRole('list', { name: 'Sources' })).toBeNull();
  });

  it('counts [1, 2] as citing both passages while a reply streams, as the server does when it stores it', async () => {
    const server = chatServer([], () =>
      streamed(
        replyParts(
          [1, 2, 3, 4].map((marker) => sourcePart(marker)),
          'Staff get 25 days [1, 2]; part-timers a share [4].',
        ),
      ),
    );
    await openChat(server);
    fireEvent.change(await screen.findByRole('textbox', { name: 'Message' }), { target: { value: 'How much leave?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));

    const sources = await screen.findByRole('list', { name: 'Sources' });
    expect(
      within(sources)
        .getAllByRole('button')
        .map((chip) => chip.textContent),
    ).toEqual(['1Part 1.md', '2Part 2.md', '4Part 4.md']);
  });
});

describe('attachments in the composer', () => {
  it('uploads chosen files, shows them as chips, and sends their ids with the message', async () => {
    const xhr = createFakeXhr((upload) => ({
      status: 201,
      body: {
        id: `file-${upload.file?.name}`,
        filename: upload.file?.name,
        mediaType: 'application/pdf',
        byteSize: 10,
      },
    }));
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    const server = chatServer([], () =>
      streamed([
        { type: 'start', messageId: 'a1' },
        { type: 'text-start', id: 't1' },
        { type: 'text-delta', id: 't1', delta: 'Read it.' },
        { type: 'text-end', id: 't1' },
        { type: 'finish', finishReason: 'stop' },
      ]),
    );
    await openChat(server);
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
    const file = new File(['%PDF-1.4'], 'report.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText('Attach files'), { target: { files: [file] } });

    const chips = await screen.findByRole('list', { name: 'Files to send' });
    expect(within(chips).getByText('report.pdf')).toBeTruthy();
    await waitFor(() => expect(within(chips).queryByRole('progressbar')).toBeNull());
    expect(xhr.uploads[0]).toMatchObject({ method: 'POST', url: '/v1/files' });

    fireEvent.change(box, { target: { value: 'Summarise this' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(server.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')[0]?.body).toEqual({
      content: 'Summarise this',
      fileIds: ['file-report.pdf'],
    });
    const sent = await screen.findByRole('article', { name: 'You said' });
    expect(within(sent).getByRole('list', { name: 'Attached files' }).textContent).toContain('report.pdf');
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();
  });

  it('aborts the upload of a file removed while it is still uploading, without reporting an error', async () => {
    // The server never answers: the upload stays in flight until removed.
    const xhr = createFakeXhr(() => new Promise(() => {}));
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    const server = chatServer([], () => streamed([{ type: 'start', messageId: 'a1' }, { type: 'finish' }]));
    await openChat(server);
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
    fireEvent.change(screen.getByLabelText('Attach files'), { target: { files: [new File(['x'], 'slow.pdf')] } });
    await screen.findByRole('progressbar', { name: 'Uploading slow.pdf' });

    fireEvent.click(screen.getByRole('button', { name: 'Remove slow.pdf' }));
    expect(xhr.uploads[0]?.isAborted).toBe(true);
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();
    fireEvent.change(box, { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(server.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')[0]?.body).toEqual({ content: 'Hello' });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("keeps a refused file with the server's reason and does not send it", async () => {
    const xhr = createFakeXhr(() => ({
      status: 413,
      body: { status: 413, code: 'payload_too_large', detail: 'huge.bin is larger than the 25 MB upload limit' },
    }));
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    const server = chatServer([], () => streamed([{ type: 'start', messageId: 'a1' }, { type: 'finish' }]));
    await openChat(server);
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
    fireEvent.change(screen.getByLabelText('Attach files'), { target: { files: [new File(['x'], 'huge.bin')] } });
    expect((await screen.findByRole('alert')).textContent).toBe('huge.bin is larger than the 25 MB upload limit');

    fireEvent.click(screen.getByRole('button', { name: 'Remove huge.bin' }));
    fireEvent.change(box, { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(server.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')[0]?.body).toEqual({ content: 'Hello' });
  });
});
