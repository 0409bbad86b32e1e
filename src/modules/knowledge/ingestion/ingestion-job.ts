import { z } from 'zod';
import type { JobQueue } from '../../../platform/jobs/index.js';
import type { QueuedDocument } from '../documents.repository.js';

/** The pg-boss queue every document (re)indexing goes through. */
export const ingestJobName = 'knowledge.ingest';

/** Checked again when the job runs: job payloads are an edge like any other. */
export const ingestJobData = z.strictObject({
  tenantId: z.uuid(),
  documentId: z.uuid(),
  generation: z.number().int().min(1),
});
export type IngestJobData = z.infer<typeof ingestJobData>;

export interface IngestionScheduler {
  /** Queues documents after their rows were committed; a job finding a newer generation does nothing. */
  schedule(tenantId: string, documents: readonly QueuedDocument[]): Promise<void>;
}

export function createIngestionScheduler(jobs: Pick<JobQueue, 'send'>): IngestionScheduler {
  return {
    async schedule(tenantId, documents) {
      for (const document of documents) {
        const data: IngestJobData = { tenantId, documentId: document.id, generation: document.generation };
        // One job per document generation: a double click on "reindex" queues one job, not two.
        await jobs.send(ingestJobName, data, { singletonKey: `${document.id}:${document.generation}` });
      }
    },
  };
}
