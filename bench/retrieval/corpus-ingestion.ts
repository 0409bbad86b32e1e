import type { Embedder } from '../../src/ai/embeddings/embedder-types.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { knowledgeDocuments } from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';
import { chunkDocument } from '../../src/modules/knowledge/parsing/chunking/chunk-document.js';
import { currentIndexVersion } from '../../src/modules/knowledge/ingestion/index-versions.js';
import {
  indexedText,
  insertDocumentChunks,
  type IndexedChunk,
} from '../../src/modules/knowledge/retrieval/knowledge-index.repository.js';
import type { BenchSource } from './bench-storage.js';

export interface CorpusText {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  /** Already cut (the synthetic corpus): indexed as these chunks, one per paragraph, not re-chunked. */
  readonly paragraphs?: readonly string[];
}

/**
 * Turns corpus texts into indexed documents; returns knowledge document id → corpus id. This is the
 * seam where the bench can switch to the real ingestion job path (upload → parse → chunk → embed → index).
 */
export type CorpusIngester = (source: BenchSource, texts: readonly CorpusText[]) => Promise<Map<string, string>>;

const documentsPerEmbeddingBatch = 64;

/**
 * The bench's own path: nothing to parse, each text one plain document "title\n\ntext", chunked by
 * chunkDocument (512 tokens, 64 overlap, the source defaults), embedded outside any transaction, then
 * each document's chunks written in a transaction of its own as the ingestion job does.
 */
export function directIngester(handle: DatabaseHandle, embedder: Embedder): CorpusIngester {
  return async (source, texts) => {
    const corpusIds = new Map<string, string>();
    for (let start = 0; start < texts.length; start += documentsPerEmbeddingBatch) {
      const batch = texts.slice(start, start + documentsPerEmbeddingBatch).map((text) => ({
        documentId: newId(),
        text,
        chunks: text.paragraphs ? asChunks(text.paragraphs) : chunkText(text),
      }));
      const vectors = await embedder.embed(batch.flatMap((document) => document.chunks.map(indexedText)));
      let next = 0;
      for (const document of batch) {
        const chunks: IndexedChunk[] = document.chunks.map((chunk) => ({ ...chunk, embedding: vectors[next++]! }));
        await handle.db.transaction(async (tx) => {
          await tx.insert(knowledgeDocuments).values({
            id: document.documentId,
            tenantId: source.tenantId,
            sourceId: source.sourceId,
            title: document.text.title.slice(0, 300) || document.text.id,
            origin: 'upload',
            status: 'ready',
            chunkCount: chunks.length,
            // Written as the ingestion job writes today, so no server started on it reindexes the corpus.
            indexVersion: currentIndexVersion,
          });
          // A new document's one write, published as it commits (the job hides a write until its publish).
          await insertDocumentChunks(tx, {
            tenantId: source.tenantId,
            sourceId: source.sourceId,
            documentId: document.documentId,
            writeId: newId(),
            dimensions: embedder.dimensions,
            chunks,
          });
        });
        corpusIds.set(document.documentId, document.text.id);
      }
    }
    return corpusIds;
  };
}

function chunkText(text: CorpusText) {
  return chunkDocument(
    { blocks: [{ kind: 'paragraph', text: `${text.title}\n\n${text.text}` }], pageCount: null, title: text.title },
    { maxTokens: 512, overlapTokens: 64 },
  );
}

function asChunks(paragraphs: readonly string[]) {
  return paragraphs.map((content, position) => ({
    position,
    content,
    page: null,
    headingPath: [],
    tokenCount: content.split(' ').length,
  }));
}
