import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeXhr } from '../../ui/fake-xhr';
import { fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import type { ImportFile, KnowledgeImport, KnowledgeSource } from './knowledge-api';
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

const anImport = (overrides: Partial<KnowledgeImport>): KnowledgeImport => ({
  id: '00000000-0000-4000-8000-000000000001',
  sourceId: 'ks1',
  status: 'running',
  fileCount: 0,
  addedCount: 0,
  duplicateCount: 0,
  failedCount: 0,
  errorMessage: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  finishedAt: null,
  ...overrides,
});

const failedFile: ImportFile = {
  position: 2,
  path: 'guides/broken.pdf',
  outcome: 'failed',
  documentId: null,
  message: 'The PDF is damaged: its cross-reference table cannot be read',
};

describe('importing many files into a source', () => {
  it('posts the chosen files in one request, shows the counts as the import runs, and lists why a file failed', async () => {
    // The server's view of the import: running while the request is in flight, then finished.
    let current: KnowledgeImport | null = null;
    let finishRequest: () => void = () => {};
    const xhr = createFakeXhr(async () => {
      current = anImport({ fileCount: 2, addedCount: 1, failedCount: 1 });
      await new Promise<void>((resolve) => (finishRequest = resolve));
      current = anImport({
        status: 'finished',
        fileCount: 3,
        addedCount: 2,
        failedCount: 1,
        finishedAt: '2026-01-01T10:00:09.000Z',
      });
      return { status: 201, body: current };
    });
    vi.stubGlobal('XMLHttpRequest', xhr.FakeXhr);
    const server = fakeApi({
      'GET /v1/knowledge-sources/ks1': () => Response.json(source),
      'GET /v1/knowledge-sources/ks1/documents': () => pageOf([]),
      'GET /v1/knowledge-sources/ks1/imports': () => Response.json({ items: current ? [current] : [] }),
      'GET /v1/knowledge-sources/ks1/imports/:importId/files': () =>
        Response.json({ items: [failedFile], nextAfter: null }),
    });
    await renderArea(knowledgeArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/knowledge',
      path: '/knowledge/ks1',
    });
    await screen.findByText('No imports yet.');

    const files = [new File(['# A'], 'a.md'), new File(['B'], 'b.txt'), new File(['%PDF'], 'broken.pdf')];
    const input = screen.getByLabelText('Import files or a zip');
    expect(input.getAttribute('accept')).toContain('.zip');
    fireEvent.change(input, { target: { files } });

    // Progress while it runs comes from the API's counts, read again on a timer.
    const running = await screen.findByText(
      /Importing: 2 files so far — 1 added, 0 duplicate, 1 failed/,
      {},
      { timeout: 3000 },
    );
    expect(running.getAttribute('role')).toBe('status');
    finishRequest();
    await screen.findByText(/Finished: 3 files — 2 added, 0 duplicate, 1 failed/, {}, { timeout: 3000 });

    // One request with every file in it, not one per file.
    expect(xhr.uploads).toHaveLength(1);
    expect(xhr.uploads[0]).toMatchObject({ method: 'POST', url: '/v1/knowledge-sources/ks1/imports' });
    expect(xhr.uploads[0]?.files.map((file) => file.name)).toEqual(['a.md', 'b.txt', 'broken.pdf']);

    fireEvent.click(screen.getByRole('button', { name: 'Show failed files' }));
    const failed = await screen.findByRole('list', { name: 'Failed files' });
    expect(within(failed).getByText('guides/broken.pdf')).toBeTruthy();
    expect(within(failed).getByText(/its cross-reference table cannot be read/)).toBeTruthy();
    await waitFor(() =>
      expect(server.calls.some((call) => call.path.endsWith('/files') && call.search.includes('outcome=failed'))).toBe(
        true,
      ),
    );
  });
});
