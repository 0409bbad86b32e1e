import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { pdfWithPages } from './document-fixtures.js';
import { createSource, uploadAccepted, waitForDocument } from './knowledge-setup.js';

const fact = 'The wombat enclosure is cleaned every Thursday at dawn.';

/** Two pages; the second is long enough that the passage ending with the fact starts on it. */
async function zooManual(): Promise<Buffer> {
  const filler = Array.from(
    { length: 60 },
    (_, index) => `Visitors sign in at reception desk number ${index + 1} on arrival.`,
  ).join(' ');
  return pdfWithPages(['Zoo manual. This first page lists the opening hours of the gift shop.', `${filler} ${fact}`]);
}

interface Citation {
  marker: number;
  documentId: string;
  documentTitle: string;
  chunkId: string;
  page: number | null;
  excerpt: string;
}

describe('a chat reply citing a PDF names the page of the passage', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;
  let documentId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    sourceId = (await createSource(t.app, admin, { name: 'Zoo' })).id;
    documentId = (await uploadAccepted(t.app, admin, sourceId, await zooManual(), { filename: 'zoo-manual.pdf' })).id;
    const ready = await waitForDocument(t.app, admin, sourceId, documentId);
    expect(ready.status, ready.errorMessage ?? '').toBe('ready');
    expect(ready.pageCount).toBe(2);
  });
  afterAll(() => t.close());

  it('streams and stores the citation of a fact on page 2 with page 2', async () => {
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Wombats' });

    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'text/event-stream' },
      payload: { content: 'When is the wombat enclosure cleaned?' },
    });

    expect(response.statusCode, response.body).toBe(200);
    const { parts, isDone } = uiMessageParts(response.body);
    expect(isDone).toBe(true);
    const text = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
    const marker = Number(/cleaned every Thursday at dawn \[(\d+)\]\./.exec(text)?.[1]);
    expect(marker, text).toBeGreaterThan(0);
    const streamed = parts.find(
      (part) =>
        part.type === 'source-document' &&
        (part.providerMetadata as { parley: { marker: number } }).parley.marker === marker,
    );
    expect(streamed).toMatchObject({
      type: 'source-document',
      title: 'zoo-manual.pdf',
      providerMetadata: { parley: { marker, documentId, page: 2 } },
    });

    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
    });
    const stored = (history.json().items as { role: string; citations: Citation[] }[]).at(-1)!;
    expect(stored.role).toBe('assistant');
    const cited = stored.citations.find((citation) => citation.marker === marker);
    expect(cited).toMatchObject({ documentId, documentTitle: 'zoo-manual.pdf', page: 2 });
    // The cited passage is the one holding the fact, and its excerpt (600 characters of a longer chunk)
    // shows the sentence with the fact rather than the chunk's opening.
    expect(cited!.excerpt).toContain(fact);
    expect(streamed!.sourceId).toBe(cited!.chunkId);
    const { rows } = await t.database.executeSql('select content, page from knowledge_chunks where id = $1', [
      cited!.chunkId,
    ]);
    expect(rows[0]).toMatchObject({ content: expect.stringContaining(fact), page: 2 });
  });
});
