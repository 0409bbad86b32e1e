import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clickTwice, fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { KnowledgeSource } from './knowledge-api';
import { knowledgeArea } from './knowledge-area';

afterEach(cleanup);

const stored: KnowledgeSource = {
  id: 'ks1',
  name: 'Handbook',
  description: 'How we work',
  embeddingModel: 'offline',
  embeddingDimensions: 384,
  rerankModel: null,
  chunkTokens: 512,
  chunkOverlapTokens: 64,
  documentCount: 2,
  chunkCount: 14,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

const reranked: KnowledgeSource = { ...stored, rerankModel: 'cohere:rerank-v3.5' };

function knowledgeServer(
  role: 'member' | 'tenant_admin',
  onSave: (body: unknown) => Response = () => Response.json(stored),
  source: KnowledgeSource = stored,
) {
  return fakeApi(
    {
      'GET /v1/knowledge-sources': () => pageOf([source]),
      'GET /v1/knowledge-sources/ks1': () => Response.json(source),
      'GET /v1/knowledge-sources/ks1/imports': () => Response.json({ items: [] }),
      'GET /v1/knowledge-sources/ks1/documents': () => pageOf([]),
      'POST /v1/knowledge-sources': (call) => onSave(call.body),
      'PATCH /v1/knowledge-sources/ks1': (call) => onSave(call.body),
    },
    { role },
  );
}

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(knowledgeArea.element, { fetchImpl: server.fetchImpl, areaPath: '/knowledge', path });

describe('knowledge sources', () => {
  it('lists the sources with their counts and offers administrators a new one', async () => {
    await open(knowledgeServer('tenant_admin'), '/knowledge');
    const link = await screen.findByRole('link', { name: 'Handbook' });
    expect(link.getAttribute('href')).toBe('/knowledge/ks1');
    const row = link.closest('tr')!;
    expect(row.textContent).toContain('2');
    expect(row.textContent).toContain('14');
    expect(screen.getByRole('link', { name: 'New source' })).toBeTruthy();
  });

  it('offers members no new source, and sends them back from the form by address', async () => {
    const server = knowledgeServer('member');
    await open(server, '/knowledge/new');
    await screen.findByRole('link', { name: 'Handbook' });
    expect(screen.queryByRole('link', { name: 'New source' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'New knowledge source' })).toBeNull();
  });

  it('creates a source, leaving empty settings to the server, and opens it', async () => {
    const server = knowledgeServer('tenant_admin', () => Response.json(stored, { status: 201 }));
    await open(server, '/knowledge/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: '  Handbook ' } });
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'How we work' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create source' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/knowledge-sources')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/knowledge-sources')[0]?.body).toEqual({
      name: 'Handbook',
      description: 'How we work',
    });
    expect(await screen.findByRole('heading', { name: 'Handbook', level: 1 })).toBeTruthy();
  });

  it("shows the server's sentence next to the field it is about", async () => {
    const server = knowledgeServer('tenant_admin', () =>
      problem(400, 'validation_failed', "Unknown embedding model 'nope:x'; use offline or provider:model", [
        { field: 'embeddingModel', message: "Unknown embedding model 'nope:x'" },
      ]),
    );
    await open(server, '/knowledge/ks1/edit');
    fireEvent.change(await screen.findByLabelText('Embedding model'), { target: { value: 'nope:x' } });
    fireEvent.change(screen.getByLabelText('Passage length (tokens)'), { target: { value: '256' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    expect((await screen.findByRole('alert')).textContent).toContain("Unknown embedding model 'nope:x'");
    expect(screen.getByLabelText('Embedding model').getAttribute('aria-invalid')).toBe('true');
    expect(server.callsTo('PATCH', '/v1/knowledge-sources/ks1')[0]?.body).toEqual({
      name: 'Handbook',
      description: 'How we work',
      embeddingModel: 'nope:x',
      chunkTokens: 256,
      chunkOverlapTokens: 64,
    });
  });

  it('creates a source with a reranking model, sending it trimmed', async () => {
    const server = knowledgeServer('tenant_admin', () => Response.json(reranked, { status: 201 }), reranked);
    await open(server, '/knowledge/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Handbook' } });
    fireEvent.change(screen.getByLabelText('Reranking model'), { target: { value: ' cohere:rerank-v3.5 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create source' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/knowledge-sources')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/knowledge-sources')[0]?.body).toEqual({
      name: 'Handbook',
      description: '',
      rerankModel: 'cohere:rerank-v3.5',
    });
    const facts = await screen.findByText(/reranked by/);
    expect(facts.textContent).toContain('reranked by cohere:rerank-v3.5');
  });

  it('sends rerankModel: null when the reranking model is cleared', async () => {
    const server = knowledgeServer('tenant_admin', () => Response.json(stored), reranked);
    await open(server, '/knowledge/ks1/edit');
    const field = await screen.findByLabelText<HTMLInputElement>('Reranking model');
    expect(field.value).toBe('cohere:rerank-v3.5');
    fireEvent.change(field, { target: { value: '  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(server.callsTo('PATCH', '/v1/knowledge-sources/ks1')).toHaveLength(1));
    expect(server.callsTo('PATCH', '/v1/knowledge-sources/ks1')[0]?.body).toMatchObject({ rerankModel: null });
  });

  it('leaves an unchanged reranking model out of the edit', async () => {
    const server = knowledgeServer('tenant_admin', () => Response.json(reranked), reranked);
    await open(server, '/knowledge/ks1/edit');
    expect((await screen.findByLabelText<HTMLInputElement>('Reranking model')).value).toBe('cohere:rerank-v3.5');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Staff handbook' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(server.callsTo('PATCH', '/v1/knowledge-sources/ks1')).toHaveLength(1));
    const body = server.callsTo('PATCH', '/v1/knowledge-sources/ks1')[0]?.body;
    expect(body).toMatchObject({ name: 'Staff handbook' });
    expect(body).not.toHaveProperty('rerankModel');
  });

  it("shows the server's sentence about a reranking model next to its field", async () => {
    const sentence = "Reranking model 'nope:x' uses provider 'nope', which is not configured; configure it first";
    const server = knowledgeServer('tenant_admin', () =>
      problem(400, 'validation_failed', sentence, [{ field: 'rerankModel', message: sentence }]),
    );
    await open(server, '/knowledge/ks1/edit');
    fireEvent.change(await screen.findByLabelText('Reranking model'), { target: { value: 'nope:x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    expect((await screen.findByRole('alert')).textContent).toContain("Reranking model 'nope:x'");
    expect(screen.getByLabelText('Reranking model').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Embedding model').getAttribute('aria-invalid')).toBeNull();
    expect(server.callsTo('PATCH', '/v1/knowledge-sources/ks1')[0]?.body).toMatchObject({ rerankModel: 'nope:x' });
  });

  it('deletes a source only after asking, shows a refusal, and leaves the page once it is gone', async () => {
    let refuse = true;
    const server = fakeApi(
      {
        'GET /v1/knowledge-sources': () => pageOf([]),
        'GET /v1/knowledge-sources/ks1': () => Response.json(stored),
        'GET /v1/knowledge-sources/ks1/imports': () => Response.json({ items: [] }),
        'GET /v1/knowledge-sources/ks1/documents': () => pageOf([]),
        'DELETE /v1/knowledge-sources/ks1': () =>
          refuse
            ? problem(409, 'conflict', 'The source is being indexed; cancel its documents first')
            : new Response(null, { status: 204 }),
      },
      { role: 'tenant_admin' },
    );
    await open(server, '/knowledge/ks1');
    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    expect(server.callsTo('DELETE', '/v1/knowledge-sources/ks1')).toHaveLength(0);
    screen.getByRole('dialog', { name: 'Delete source Handbook?' });

    fireEvent.click(screen.getByRole('button', { name: 'Delete source' }));
    expect((await screen.findByRole('alert')).textContent).toContain('cancel its documents first');
    expect(screen.getByRole('heading', { name: 'Handbook', level: 1 })).toBeTruthy();

    refuse = false;
    const readsOfSource = () =>
      server.callsTo('GET', '/v1/knowledge-sources/ks1').length +
      server.callsTo('GET', '/v1/knowledge-sources/ks1/documents').length;
    const readsBeforeDelete = readsOfSource();
    fireEvent.click(screen.getByRole('button', { name: 'Delete source' }));
    await screen.findByText('No knowledge sources yet. Create one, then upload documents to it.');
    expect(server.callsTo('DELETE', '/v1/knowledge-sources/ks1')).toHaveLength(2);
    // What was deleted is not asked for again (the server would answer 404).
    expect(readsOfSource()).toBe(readsBeforeDelete);
  });

  it('creates one source on a double-click of Create source', async () => {
    const server = knowledgeServer('tenant_admin', () => Response.json(stored, { status: 201 }));
    await open(server, '/knowledge/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Handbook' } });
    clickTwice(screen.getByRole('button', { name: 'Create source' }));

    expect(await screen.findByRole('heading', { name: 'Handbook', level: 1 })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/knowledge-sources')).toHaveLength(1);
  });
});
