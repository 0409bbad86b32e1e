import type { KnowledgeDocument } from './knowledge-api';

const statusLabels: Record<KnowledgeDocument['status'], string> = {
  pending: 'Waiting',
  processing: 'Indexing',
  ready: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const badgeClass: Record<KnowledgeDocument['status'], string> = {
  pending: 'badge',
  processing: 'badge',
  ready: 'badge badge-ok',
  failed: 'badge badge-danger',
  cancelled: 'badge badge-warning',
};

/**
 * Where a document's indexing stands: a badge, the progress while it runs, the reason when it failed.
 * A document waiting with a reason is between a failed attempt and its retry (markRetrying on the
 * server): the reason is a notice, since the retry may still succeed.
 */
export function DocumentStatus({ document }: { document: KnowledgeDocument }) {
  const { status } = document;
  return (
    <div className="document-status">
      <span className={badgeClass[status]}>
        {statusLabels[status]}
        {status === 'processing' ? ` ${Math.round(document.progress)} %` : ''}
      </span>
      {(status === 'pending' || status === 'processing') && (
        <progress
          max={100}
          value={status === 'processing' ? document.progress : undefined}
          aria-label={`Indexing ${document.title}`}
        />
      )}
      {status === 'pending' && document.errorMessage && (
        <span className="document-notice">Waiting to retry: {document.errorMessage}</span>
      )}
      {status === 'failed' && (
        <span className="document-error">{document.errorMessage ?? 'Indexing failed; try reindexing.'}</span>
      )}
    </div>
  );
}
