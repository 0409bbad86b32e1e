import type { Executor } from '../../../platform/db/client.js';
import type { IndexedChunk } from './knowledge-index.types.js';

export type { IndexedChunk } from './knowledge-index.types.js';

/** In the caller's transaction: inserts chunks, postings, term frequencies and source statistics. */
export async function insertDocumentChunks(
  _tx: Executor,
  _input: { tenantId: string; sourceId: string; documentId: string; dimensions: number; chunks: readonly IndexedChunk[] },
): Promise<void> {
  throw new Error('not implemented yet');
}

/** Removes a document's chunks and postings, decrementing term and source statistics. Returns the chunks removed. */
export async function removeDocumentChunks(_tx: Executor, _tenantId: string, _documentId: string): Promise<number> {
  throw new Error('not implemented yet');
}
