import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { KnowledgeDocument, KnowledgeSource, QueryAnswer } from './knowledge-api';
import { knowledgeArea } from './knowledge-area';

afterEach(cleanup);

const source: KnowledgeSource = {
  id: 'ks1',
  name: 'Handbook',
  description: 'How we work',
  embeddingModel: 'offline',
  embeddingDimensions: 256,
  rerankModel: null,
  chunkTokens: 512,
  chunkOverlapTokens: 64,
  documentCount: 2,
  chunkCount: 14,
  createdAt: '2026-01-01T10:00:00.000Z',
};

const answer: QueryAnswer = {
  mode: 'lexical',
  tookMs: 12,
  reranking: null,
  results: [
    {
      chunkId: 'c1',
      documentId: 'd1',
      documentTitle: 'Holidays.md',
      page: 3,
      headingPath: ['Leave', 'Holidays'],
      content: 'Everyone gets 25 days of paid holiday a year. <img src=x onerror=alert(1)>',
      score: 0.9123,
      lexicalScore: 7.5,
      vectorScore: null,
      rerankScore: null,
      highlights: ['Everyone gets 25 days of paid «holiday» a year. <img src=x onerror=«alert»(1)>'],
    },
    {
      chunkId: 'c2',
      documentId: 'd2',
      documentTitle: 'Office.pdf',
      page: null,
      headingPath: [],
      content: 'The office closes on public holidays.',
      score: 0.41,
      lexicalScore: 2.25,
      vectorScore: null,
      rerankScore: null,
      highlights: [],
    },
  ],
};

const rerankedSource: KnowledgeSource = { ...source, rerankModel: 'cohere:rerank-v3.5' };

/** The answer of a hybrid search of `rerankedSource`, reordered by its model or left alone when it failed. */
function hybridAnswer(reranking: QueryAnswer['reranking']): QueryAnswer {
  const isApplied = reranking?.status === 'applied';
  return {
    mode: 'hybrid',
    tookMs: 40,
    reranking,
    results: answer.results.map((hit) => ({
      ...hit,
      score: isApplied ? 0.95 : hit.score,
      rerankScore: isApplied ? 0.95 : null,
    })),
  };
}

const document = (id: string, title: string): KnowledgeDocument => ({
  id,
  title,
  origin: 'upload',
  url: null,
  mediaType: 'text/markdown',
  byteSize: 1024,
  status: 'ready',
  progress: 100,
  errorMessage: null,
  pageCount: null,
  chunkCount: 7,
  createdAt: '2026-01-01T10:00:00.000Z',
  indexedAt: '2026-01-01T10:00:05.000Z',
});

const documents = [document('d1', 'Holidays.md'), document('d2', 'Office.pdf'), document('d3', 'Expenses.docx')];

function openPlayground(onQuery: (body: unknown) => Response, shownSource: KnowledgeSource = source) {
  const server = fakeApi(
    {
      'GET /v1/knowledge-sources/ks1': () => Response.json(shownSource),
      'GET /v1/knowledge-sources/ks1/documents': () => pageOf(documents),
      'POST /v1/knowledge-sources/ks1/query': (call) => onQuery(call.body),
    },
    { role: 'member' },
  );
  return renderArea(knowledgeArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/knowledge',
    path: '/knowledge/ks1/query',
  }).then(() => server);
}

describe('retrieval playground', () => {
  it('sends the query, mode and passage count, and ranks the passages with their scores', async () => {
    const server = await openPlayground(() => Response.json(answer));
    fireEvent.change(await screen.findByLabelText('Query'), { target: { value: '  holiday allowance ' } });
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: 'lexical' } });
    fireEvent.change(screen.getByLabelText('Passages'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));

    const results = await screen.findByRole('list', { name: 'Passages found' });
    expect(server.callsTo('POST', '/v1/knowledge-sources/ks1/query')[0]?.body).toEqual({
      query: 'holiday allowance',
      mode: 'lexical',
      topK: 5,
    });
    const passages = within(results).getAllByRole('listitem');
    expect(passages.map((item) => item.getAttribute('aria-label'))).toEqual([
      'Passage 1: Holidays.md',
      'Passage 2: Office.pdf',
    ]);
    expect(screen.getByRole('heading', { name: /2 passages/ }).textContent).toContain('lexical · 12 ms');
    // Screen readers hear the count: the results appearing below the form say nothing by themselves.
    expect(screen.getByRole('status').textContent).toBe('2 passages found');
    const first = passages[0]!;
    expect(first.textContent).toContain('page 3 › Leave › Holidays');
    expect(first.textContent).toContain('score 0.912 · words 7.500 · meaning —');
    // A source without a reranking model offers no reranking.
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: 'hybrid' } });
    expect(screen.queryByRole('checkbox', { name: /Rerank/ })).toBeNull();
    // Without highlights, the passage itself is shown.
    expect(passages[1]!.querySelector('.search-highlights')?.textContent).toBe('The office closes on public holidays.');
  });

  it('marks the matched words and shows markup from a document as text, never as HTML', async () => {
    await openPlayground(() => Response.json(answer));
    fireEvent.change(await screen.findByLabelText('Query'), { target: { value: 'holiday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const first = (await screen.findAllByRole('listitem'))[0]!;

    const marks = [...first.querySelectorAll('mark')].map((mark) => mark.textContent);
    expect(marks).toEqual(['holiday', 'alert']);
    expect(first.querySelector('img')).toBeNull();
    expect(first.querySelector('.search-highlights')?.textContent).toBe(
      'Everyone gets 25 days of paid holiday a year. <img src=x onerror=alert(1)>',
    );
  });

  it("says so when nothing matches, and shows the server's sentence for a refused query", async () => {
    let calls = 0;
    await openPlayground(() => {
      calls += 1;
      return calls === 1
        ? Response.json({ mode: 'hybrid', tookMs: 3, results: [] })
        : problem(400, 'validation_failed', 'The query is too long — query: at most 2000 characters', [
            { field: 'query', message: 'at most 2000 characters' },
          ]);
    });
    fireEvent.change(await screen.findByLabelText('Query'), { target: { value: 'zebra' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByRole('heading', { name: /No passages found/ })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('No passage found');

    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The query is too long');
    await waitFor(() => expect(screen.getByLabelText('Query').getAttribute('aria-invalid')).toBe('true'));
  });

  it("reranks hybrid searches with the source's model unless unchecked, and says so with each passage's score", async () => {
    const server = await openPlayground(
      (body) =>
        Response.json(
          hybridAnswer(
            (body as { rerank?: boolean }).rerank ? { model: 'cohere:rerank-v3.5', status: 'applied' } : null,
          ),
        ),
      rerankedSource,
    );
    const rerank = await screen.findByRole<HTMLInputElement>('checkbox', { name: 'Rerank with cohere:rerank-v3.5' });
    expect(rerank.checked).toBe(true);
    fireEvent.change(screen.getByLabelText('Query'), { target: { value: 'holiday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));

    expect((await screen.findByText(/Reranked by/)).textContent).toBe('Reranked by cohere:rerank-v3.5');
    const calls = () => server.callsTo('POST', '/v1/knowledge-sources/ks1/query').map((call) => call.body);
    expect(calls()[0]).toEqual({ query: 'holiday', mode: 'hybrid', topK: 8, rerank: true });
    const first = within(screen.getByRole('list', { name: 'Passages found' })).getAllByRole('listitem')[0]!;
    expect(first.textContent).toContain('score 0.950 · rerank 0.950 · words 7.500');

    fireEvent.click(rerank);
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(screen.queryByText(/Reranked by/)).toBeNull());
    expect(calls()[1]).toEqual({ query: 'holiday', mode: 'hybrid', topK: 8, rerank: false });
    expect(screen.getAllByRole('listitem')[0]!.textContent).not.toContain('rerank');

    // Only hybrid results are reranked, so the other modes neither offer nor send it.
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: 'vector' } });
    expect(screen.queryByRole('checkbox', { name: /Rerank/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(calls()).toHaveLength(3));
    expect(calls()[2]).not.toHaveProperty('rerank');
  });

  it('searches only the documents chosen under "Only these documents", and the whole source when none are', async () => {
    const server = await openPlayground(() => Response.json(answer));
    const filter = await screen.findByRole('group', { name: 'Only these documents' });
    const boxes = await within(filter).findAllByRole<HTMLInputElement>('checkbox');
    expect(boxes.map((box) => box.labels?.[0]?.textContent)).toEqual(['Holidays.md', 'Office.pdf', 'Expenses.docx']);
    expect(boxes.every((box) => !box.checked)).toBe(true);

    fireEvent.change(screen.getByLabelText('Query'), { target: { value: 'holiday' } });
    // Chosen out of the list's order: the request keeps the list's.
    fireEvent.click(within(filter).getByRole('checkbox', { name: 'Expenses.docx' }));
    fireEvent.click(within(filter).getByRole('checkbox', { name: 'Holidays.md' }));
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const calls = () => server.callsTo('POST', '/v1/knowledge-sources/ks1/query').map((call) => call.body);
    await waitFor(() => expect(calls()).toHaveLength(1));
    expect(calls()[0]).toEqual({ query: 'holiday', mode: 'hybrid', topK: 8, documentIds: ['d1', 'd3'] });
    await screen.findByRole('list', { name: 'Passages found' });

    fireEvent.click(within(filter).getByRole('checkbox', { name: 'Expenses.docx' }));
    fireEvent.click(within(filter).getByRole('checkbox', { name: 'Holidays.md' }));
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(calls()).toHaveLength(2));
    expect(calls()[1]).toEqual({ query: 'holiday', mode: 'hybrid', topK: 8 });
  });

  it('warns when reranking failed, with the sentence saying why', async () => {
    const message =
      "Reranking with 'cohere:rerank-v3.5' failed: its server answered HTTP 401. The results are in hybrid order; check the provider's address, key and model name";
    await openPlayground(
      () => Response.json(hybridAnswer({ model: 'cohere:rerank-v3.5', status: 'failed', message })),
      rerankedSource,
    );
    fireEvent.change(await screen.findByLabelText('Query'), { target: { value: 'holiday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));

    expect((await screen.findByRole('alert')).textContent).toBe(message);
    expect(screen.queryByText(/Reranked by/)).toBeNull();
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
  });

  it('says which words were searched corrected, and searches them as typed on request', async () => {
    const server = await openPlayground((body) =>
      Response.json(
        (body as { correct?: boolean }).correct === false
          ? { ...answer, corrections: [] }
          : {
              ...answer,
              corrections: [
                { from: 'Pasword', to: 'Password' },
                { from: 'data base', to: 'database' },
              ],
            },
      ),
    );
    fireEvent.change(await screen.findByLabelText('Query'), { target: { value: 'Pasword data base' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));

    const note = await screen.findByText(/Searched for/);
    expect(note.textContent).toBe(
      'Searched for Password instead of Pasword, database instead of data base. Search for the words as typed',
    );
    const calls = () => server.callsTo('POST', '/v1/knowledge-sources/ks1/query').map((call) => call.body);
    expect(calls()[0]).toEqual({ query: 'Pasword data base', mode: 'hybrid', topK: 8 });

    fireEvent.click(screen.getByRole('button', { name: 'Search for the words as typed' }));
    await waitFor(() => expect(calls()).toHaveLength(2));
    expect(calls()[1]).toEqual({ query: 'Pasword data base', mode: 'hybrid', topK: 8, correct: false });
    await waitFor(() => expect(screen.queryByText(/Searched for/)).toBeNull());
    // A new search from the form corrects again.
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(calls()).toHaveLength(3));
    expect(calls()[2]).not.toHaveProperty('correct');
  });

  it('offers members the playground but no way to change the source', async () => {
    await openPlayground(() => Response.json(answer));
    await screen.findByRole('heading', { name: 'Handbook', level: 1 });
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Edit' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Try a query' }).getAttribute('aria-current')).toBe('page');
  });
});
