import type { Database } from '../../../platform/db/client.js';
import type { JobHandler } from '../../../platform/jobs/index.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { DocumentsRepository } from '../documents.repository.js';
import { presentDocument } from '../documents.schemas.js';
import { ingestJobData } from './ingestion-job.js';

/**
 * The ingestion job, followed by `document.ready` or `document.failed` once its outcome is stored (a
 * retry to come emits nothing). The event's key is the document's generation and outcome, so a job that
 * runs twice for one generation emits once.
 */
export function withDocumentOutcomeEvents(
  ingest: JobHandler<object>,
  deps: { db: Database; documents: Pick<DocumentsRepository, 'findInTenant'>; events: WebhookEvents },
): JobHandler<object> {
  return async (data, job) => {
    try {
      await ingest(data, job);
    } finally {
      const parsed = ingestJobData.safeParse(data);
      if (parsed.success && !job.signal.aborted) {
        const { tenantId, documentId, generation } = parsed.data;
        const document = await deps.documents.findInTenant(deps.db, tenantId, documentId);
        if (document?.generation === generation && (document.status === 'ready' || document.status === 'failed')) {
          const type = document.status === 'ready' ? 'document.ready' : 'document.failed';
          // A node that dies before this runs the job again (its lease ends): the key keeps it one event.
          await deps.events.emit(
            deps.db,
            tenantId,
            type,
            { document: presentDocument(document) },
            { key: `${documentId}:${generation}:${document.status}` },
          );
        }
      }
    }
  };
}
