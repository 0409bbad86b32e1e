import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeXhr } from '../../ui/fake-xhr';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { KnowledgeDocument, KnowledgeSource } from './knowledge-api';
import { knowledgeArea } from './knowledge-area';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const source: KnowledgeSource = {
  id: 'ks1',
  name: 'Handbook',
  description: '',
  embeddingModel: 'offline',
  embeddingDimensions: 256,
  rerankModel: null,
  chunkTokens: 512,
  chunkOverlapTokens: 64,
  documentCount: 0,
  chunkCount: 0,
  createdAt: '2026-01-01T10:00:00.000Z',
};

const doc = (overrides: Partial<KnowledgeDocument>): KnowledgeDocument => ({
  id: 'd1',
  title: 'guide.md',
  origin: 'upload',
  url: null,
  mediaType: 'text/markdown',
  byteSize: 2048,
  status: 'ready',
  progress: 100,
  errorMessage: null,
  pageCount: null,
  chunkCount: 4,
  createdAt: '2026-01-01T10:00:00.000Z',
  indexedAt: '2026-01-01T10:00:05.000Z',
  ...overrides,
});

function openDocuments(handlers: Parameters<typeof fakeApi>[0], role: 'member' | 'tenant_admin' = 'tenant_admin') {
  const server = fakeApi(
    {
      'GET /v1/knowledge-sources/ks1': () => Response.json(source),
      'GET /v1/knowledge-sources/ks1/imports': () => Response.json({ items: [] }),
      ...handlers,
    },
    { role },
  );
  return renderArea(knowledgeArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/knowledge',
    path: '/knowledge/ks1',
  }).then(() => server);
}

const rowOf = (title: string) => screen.getByRole('rowheader', { name: new RegExp(title) }).closest('tr')!;

describe('documents of a source', () => {
  it('shows each state: waiting, indexing with its progress, ready, failed with the reason, cancelled', async () => {
    await openDocuments({
      'GET /v1/knowledge-sources/ks1/documents': () =>
        pageOf([
          doc({ id: 'd1', title: 'queued.md', status: 'pending', progress: 0, chunkCount: null }),
          doc({ id: 'd2', title: 'busy.pdf', status: 'processing', progress: 42, chunkCount: null }),
          doc({ id: 'd3', title: 'done.md', status: 'ready', chunkCount: 7 }),
          doc({
            id: 'd4',
            title: 'broken.pdf',
            status: 'failed',
            errorMessage: 'The PDF is damaged: its cross-reference table cannot be read',
          }),
          doc({ id: 'd5', title: 'stopped.docx', status: 'cancelled' }),
        ]),
    });
    await screen.findByRole('table', { name: 'Documents' });

    expect(within(rowOf('queued.md')).getByText('Waiting')).toBeTruthy();
    const busy = within(rowOf('busy.pdf'));
    expect(busy.getByText('Indexing 42 %')).toBeTruthy();
    expect(busy.getByRole('progressbar', { name: 'Indexing busy.pdf' }).getAttribute('value')).toBe('42');
    expect(busy.getByRole('button', { name: 'Cancel busy.pdf' })).toBeTruthy();
    expect(busy.queryByRole('button', { name: /Reindex/ })).toBeNull();

    const done = within(rowOf('done.md'));
    expect(done.getByText('Ready')).toBeTruthy();
    expect(done.getByText('7')).toBeTruthy();
    expect(done.queryByRole('progressbar')).toBeNull();
    expect(done.getByRole('button', { name: 'Reindex done.md' })).toBeTruthy();

    const broken = within(rowOf('broken.pdf'));
    expect(broken.getByText('Failed')).toBeTruthy();
    expect(broken.getByText('The PDF is damaged: its cross-reference table cannot be read')).toBeTruthy();
    expect(within(rowOf('stopped.docx')).getByText('Cancelled')).toBeTruthy();
  });

  it('shows why a waiting document will be retried, as a notice rather than an error', async () => {
    const reason = 'The embedding provider had an internal error (attempt 1 of 3; retrying shortly)';
    await openDocuments({
      'GET /v1/knowledge-sources/ks1/documents': () =>
        pageOf([
          doc({ id: 'd1', title: 'retrying.md', status: 'pending', progress: 0, errorMessage: reason }),
          doc({ id: 'd2', title: 'queued.md', status: 'pending', progress: 0, errorMessage: null }),
        ]),
    });
    await screen.findByRole('table', { name: 'Documents' });

    const retrying = within(rowOf('retrying.md'));
    expect(retrying.getByText('Waiting')).toBeTruthy();
    const notice = retrying.getByText(`Waiting to retry: ${reason}`);
    expect(notice.className).toBe('document-notice');
    expect(rowOf('queued.md').textContent).not.toContain('retry');
  });

  it('reads the list again every second while a document is indexing, and stops once all are done', async () => {
    const states: KnowledgeDocument[] = [
      doc({ status: 'processing', progress: 30, chunkCount: null }),
      doc({ status: 'processing', progress: 80, chunkCount: null }),
      doc({ status: 'ready', chunkCount: 4 }),
    ];
    const server = await openDocuments({
      'GET /v1/knowledge-sources/ks1/documents': () => pageOf([states.length > 1 ? states.shift()! : states[0]!]),
    });
    expect(await screen.findByText('Indexing 30 %')).toBeTruthy();
    expect(await screen.findByText('Indexing 80 %', {}, { timeout: 3000 })).toBeTruthy();
    expect(await screen.findByText('Ready', {}, { timeout: 3000 })).toBeTruthy();
    const reads = server.callsTo('GET', '/v1/knowledge-sources/ks1/documents').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.callsTo('GET', '/v1/knowledge-sources/ks1/documents')).toHaveLength(reads);
    // The source's counts changed with the document: it was read again.
    expect(server.callsTo('GET', '/v1/knowledge-sources/ks1').length).toBeGreaterThan(1);
  });

  it('uploads a chosen file with its progress, then lists what the server made of it', async () => {
    let listed: KnowledgeDocument[] = [];
    const xhr = createFakeXhr((upload) => {
      listed = [doc({ title: upload.file?.name ?? '?', status: 'pending', progress: 0 })];
      return { status: 202, body: listed[0] };
    });
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    await openDocuments({ 'GET /v1/knowledge-sources/ks1/documents': () => pageOf(listed) });
    await screen.findByText('No documents yet. Upload files or add a web page above.');

    const file = new File(['# Guide\n\nHello'], 'guide.md', { type: 'text/markdown' });
    fireEvent.change(screen.getByLabelText('Upload documents'), { target: { files: [file] } });
    const progress = await screen.findByRole('progressbar', { name: 'Uploading guide.md' });
    await waitFor(() => expect(Number(progress.getAttribute('value'))).toBeGreaterThan(0));

    await screen.findByRole('table', { name: 'Documents' });
    expect(within(rowOf('guide.md')).getByText('Waiting')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull();
    expect(xhr.uploads).toHaveLength(1);
    expect(xhr.uploads[0]).toMatchObject({ method: 'POST', url: '/v1/knowledge-sources/ks1/documents' });
    expect(xhr.uploads[0]?.headers.authorization).toBe('Bearer token-1');
    expect(xhr.uploads[0]?.file?.name).toBe('guide.md');
  });

  it('uploads files dropped on the drop zone', async () => {
    const xhr = createFakeXhr((upload) => ({ status: 202, body: doc({ title: upload.file?.name ?? '?' }) }));
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    await openDocuments({ 'GET /v1/knowledge-sources/ks1/documents': () => pageOf([]) });
    const zone = (await screen.findByText(/Drop PDF, Word/)).closest('.drop-zone')!;
    const files = [new File(['a'], 'one.md'), new File(['b'], 'two.txt')];
    fireEvent.dragOver(zone, { dataTransfer: { files } });
    expect(zone.classList.contains('is-dragging')).toBe(true);
    fireEvent.drop(zone, { dataTransfer: { files } });
    await waitFor(() => expect(xhr.uploads.map((upload) => upload.file?.name)).toEqual(['one.md', 'two.txt']));
    expect(zone.classList.contains('is-dragging')).toBe(false);
  });

  it('cancels an upload in flight, says so without an error, and takes new files afterwards', async () => {
    let listed: KnowledgeDocument[] = [];
    // The first upload never gets an answer: it stays in flight until cancelled.
    const xhr = createFakeXhr((upload) => {
      if (upload.file?.name === 'huge.pdf') return new Promise(() => {});
      listed = [doc({ title: upload.file?.name ?? '?', status: 'pending', progress: 0 })];
      return { status: 202, body: listed[0] };
    });
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    const server = await openDocuments({ 'GET /v1/knowledge-sources/ks1/documents': () => pageOf(listed) });
    const input = await screen.findByLabelText('Upload documents');
    fireEvent.change(input, { target: { files: [new File(['%PDF-1.7'], 'huge.pdf')] } });

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel upload huge.pdf' }));
    expect((await screen.findByRole('status')).textContent).toBe('Upload cancelled');
    expect(xhr.uploads[0]?.isAborted).toBe(true);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('progressbar', { name: 'Uploading huge.pdf' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Cancel upload/ })).toBeNull();
    // The list is read again, in case the server had the whole file before the cancel reached it.
    await waitFor(() => expect(server.callsTo('GET', '/v1/knowledge-sources/ks1/documents').length).toBe(2));

    fireEvent.click(screen.getByRole('button', { name: 'Dismiss huge.pdf' }));
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull();
    fireEvent.change(input, { target: { files: [new File(['# Guide'], 'guide.md')] } });
    await screen.findByRole('table', { name: 'Documents' });
    expect(within(rowOf('guide.md')).getByText('Waiting')).toBeTruthy();
  });

  it("keeps a refused upload in the list with the server's reason until dismissed", async () => {
    const xhr = createFakeXhr(() => ({
      status: 415,
      body: {
        status: 415,
        code: 'unsupported_media_type',
        detail: 'photo.png is an image; upload PDF, Word, Markdown, HTML or text',
      },
    }));
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    await openDocuments({ 'GET /v1/knowledge-sources/ks1/documents': () => pageOf([]) });
    const file = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'photo.png', { type: 'image/png' });
    fireEvent.change(await screen.findByLabelText('Upload documents'), { target: { files: [file] } });

    expect((await screen.findByRole('alert')).textContent).toBe(
      'photo.png is an image; upload PDF, Word, Markdown, HTML or text',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss photo.png' }));
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull();
  });

  it('cancels an indexing document and asks before deleting one', async () => {
    const server = await openDocuments({
      'GET /v1/knowledge-sources/ks1/documents': () =>
        pageOf([doc({ id: 'd9', title: 'slow.pdf', status: 'processing', progress: 10 })]),
      'POST /v1/knowledge-sources/ks1/documents/d9/cancel': () =>
        Response.json(doc({ id: 'd9', title: 'slow.pdf', status: 'cancelled' })),
      'DELETE /v1/knowledge-sources/ks1/documents/d9': () => new Response(null, { status: 204 }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel slow.pdf' }));
    await waitFor(() =>
      expect(server.callsTo('POST', '/v1/knowledge-sources/ks1/documents/d9/cancel')).toHaveLength(1),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Delete slow.pdf' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete slow.pdf?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete document' }));
    await waitFor(() => expect(server.callsTo('DELETE', '/v1/knowledge-sources/ks1/documents/d9')).toHaveLength(1));
  });

  it("replaces a document's file from its row, then reads the list again; a refusal is shown", async () => {
    let listed = [doc({ id: 'd7', title: 'policy.txt' })];
    const xhr = createFakeXhr((upload) => {
      if (upload.file?.name === 'same.txt') {
        return {
          status: 409,
          body: { status: 409, code: 'conflict', detail: "This source already has this content as 'policy.txt'" },
        };
      }
      // The document keeps its title; the server indexes the new file under it.
      listed = [
        doc({ id: 'd7', title: 'policy.txt', status: 'pending', progress: 0, byteSize: upload.file?.size ?? 0 }),
      ];
      return { status: 202, body: listed[0] };
    });
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    await openDocuments({ 'GET /v1/knowledge-sources/ks1/documents': () => pageOf(listed) });
    expect(await screen.findByRole('button', { name: 'Replace file policy.txt' })).toBeTruthy();

    const changed = new File(['The warranty lasts 24 months.'], 'policy-v2.txt', { type: 'text/plain' });
    fireEvent.change(screen.getByLabelText('New file for policy.txt'), { target: { files: [changed] } });
    await waitFor(() => expect(within(rowOf('policy.txt')).getByText('Waiting')).toBeTruthy());
    expect(xhr.uploads[0]).toMatchObject({ method: 'POST', url: '/v1/knowledge-sources/ks1/documents/d7/file' });

    const same = new File(['The warranty lasts 24 months.'], 'same.txt', { type: 'text/plain' });
    fireEvent.change(screen.getByLabelText('New file for policy.txt'), { target: { files: [same] } });
    expect((await screen.findByRole('alert')).textContent).toContain("already has this content as 'policy.txt'");
  });

  it("adds a page by its address and shows the server's refusal", async () => {
    const server = await openDocuments({
      'GET /v1/knowledge-sources/ks1/documents': () => pageOf([]),
      'POST /v1/knowledge-sources/ks1/documents/from-url': () =>
        problem(400, 'validation_failed', 'http://169.254.169.254/ is not an address the server may fetch'),
    });
    fireEvent.change(await screen.findByLabelText('Web address'), { target: { value: 'http://169.254.169.254/' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add page' }));
    expect((await screen.findByRole('alert')).textContent).toContain('is not an address the server may fetch');
    expect(server.callsTo('POST', '/v1/knowledge-sources/ks1/documents/from-url')[0]?.body).toEqual({
      url: 'http://169.254.169.254/',
    });
  });

  it('shows members the documents without upload or row actions', async () => {
    await openDocuments({ 'GET /v1/knowledge-sources/ks1/documents': () => pageOf([doc({})]) }, 'member');
    await screen.findByRole('table', { name: 'Documents' });
    expect(screen.queryByLabelText('Upload documents')).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Reindex/ })).toBeNull();
  });
});
