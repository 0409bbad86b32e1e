import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A BEIR-layout collection read in place (its licence forbids copying it into the repository). */
export interface BeirDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface BeirCollection {
  readonly documents: BeirDocument[];
  /** Only queries that have judgements (the test split's). */
  readonly queries: { readonly id: string; readonly text: string }[];
  /** query id → relevant document ids (binary: any score > 0). */
  readonly relevant: Map<string, Set<string>>;
}

export async function readBeirCollection(directory: string): Promise<BeirCollection> {
  const relevant = new Map<string, Set<string>>();
  const qrelsPath = join(directory, 'qrels.tsv');
  for (const line of readFileSync(qrelsPath, 'utf8').split('\n').slice(1)) {
    const [queryId, documentId, score] = line.trim().split('\t');
    if (!queryId || !documentId || Number(score) <= 0) continue;
    if (!relevant.has(queryId)) relevant.set(queryId, new Set());
    relevant.get(queryId)!.add(documentId);
  }
  const documents: BeirDocument[] = [];
  for await (const record of jsonLines<{ _id: string; title?: string; text?: string }>(
    join(directory, 'corpus.jsonl'),
  )) {
    documents.push({ id: record._id, title: record.title ?? '', text: record.text ?? '' });
  }
  const queries: { id: string; text: string }[] = [];
  for await (const record of jsonLines<{ _id: string; text: string }>(join(directory, 'queries.jsonl'))) {
    if (relevant.has(record._id)) queries.push({ id: record._id, text: record.text });
  }
  return { documents, queries, relevant };
}

async function* jsonLines<T>(path: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim()) yield JSON.parse(line) as T;
  }
}
