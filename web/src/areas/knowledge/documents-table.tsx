import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CursorListView } from '../../ui/cursor-list';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { RowActions } from '../../ui/row-actions';
import { DocumentStatus } from './document-status';
import { ReplaceFileButton } from './replace-file-button';
import {
  documentApiPath,
  isIndexing,
  knowledgeKeys,
  useSourceDocuments,
  type KnowledgeDocument,
} from './knowledge-api';

/** How often the list is read again while some document is still being indexed. */
export const indexingPollMs = 1000;

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A source's documents with their indexing status, read again every second while any of them is
 * pending or processing. Administrators can cancel, reindex, replace a document's file and delete.
 */
export function DocumentsTable(props: { sourceId: string; canManage: boolean }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const { sourceId } = props;
  const list = useSourceDocuments(sourceId, {
    pollEveryMs: (documents) => (documents.some(isIndexing) ? indexingPollMs : false),
  });
  const [toDelete, setToDelete] = useState<KnowledgeDocument | null>(null);
  const [replaceError, setReplaceError] = useState<unknown>(null);
  const indexingCount = list.items.filter(isIndexing).length;
  useRefreshSourceWhenIndexingEnds(sourceId, indexingCount);
  const hasIndexingFinished = useHasIndexingFinished(indexingCount);

  const refresh = () => queryClient.invalidateQueries({ queryKey: knowledgeKeys.documents(sourceId) });
  const act = useMutation({
    mutationFn: (input: { document: KnowledgeDocument; action: 'cancel' | 'reindex' }) =>
      api.post(`${documentApiPath(sourceId, input.document.id)}/${input.action}`),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (document: KnowledgeDocument) => api.delete(documentApiPath(sourceId, document.id)),
    onSuccess: async () => {
      setToDelete(null);
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.all });
    },
  });

  return (
    <>
      {/* The statuses turning Ready are silent. Not role=status: the upload's own status sits beside this one. */}
      <p className="visually-hidden" aria-live="polite">
        {hasIndexingFinished && 'Indexing finished.'}
      </p>
      {act.error !== null && <ErrorNotice error={act.error} />}
      {replaceError !== null && <ErrorNotice error={replaceError} />}
      <CursorListView
        list={list}
        loadingText="Loading documents…"
        emptyText={
          props.canManage
            ? 'No documents yet. Upload files or add a web page above.'
            : 'No documents yet. An administrator can add some.'
        }
      >
        {(documents) => (
          <table className="responsive documents-table" aria-label="Documents">
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Passages</th>
                <th scope="col">Size</th>
                <th scope="col">Added</th>
                {props.canManage && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {documents.map((document) => (
                <tr key={document.id}>
                  <th scope="row" data-label="Title" className="cell-title cell-break">
                    {document.title}
                    {document.url && <span className="document-url muted">{document.url}</span>}
                  </th>
                  <td data-label="Status">
                    <DocumentStatus document={document} />
                  </td>
                  <td data-label="Passages">{document.status === 'ready' ? (document.chunkCount ?? '—') : '—'}</td>
                  <td data-label="Size" className="cell-nowrap">
                    {formatBytes(document.byteSize)}
                  </td>
                  <td data-label="Added" className="cell-nowrap">
                    {formatDateTime(document.createdAt)}
                  </td>
                  {props.canManage && (
                    <td className="cell-actions">
                      <RowActions
                        name={document.title}
                        onDelete={() => {
                          remove.reset();
                          setToDelete(document);
                        }}
                      >
                        {isIndexing(document) ? (
                          <button
                            type="button"
                            onClick={() => act.mutate({ document, action: 'cancel' })}
                            disabled={act.isPending}
                          >
                            Cancel <span className="visually-hidden">{document.title}</span>
                          </button>
                        ) : (
                          <button
                            type="button"
                            onClick={() => act.mutate({ document, action: 'reindex' })}
                            disabled={act.isPending}
                          >
                            Reindex <span className="visually-hidden">{document.title}</span>
                          </button>
                        )}
                        <ReplaceFileButton
                          sourceId={sourceId}
                          document={document}
                          disabled={act.isPending}
                          onSent={() => {
                            setReplaceError(null);
                            return refresh();
                          }}
                          onFailed={setReplaceError}
                        />
                      </RowActions>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
      {toDelete && (
        <ConfirmDialog
          title={`Delete ${toDelete.title}?`}
          confirmLabel="Delete document"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Its passages leave the source, so agents can no longer cite it. Citations already in conversations stay.
        </ConfirmDialog>
      )}
    </>
  );
}

/** The source's document and passage counts change when indexing ends: read it again then. */
function useRefreshSourceWhenIndexingEnds(sourceId: string, indexingCount: number) {
  const queryClient = useQueryClient();
  const previous = useRef(indexingCount);
  useEffect(() => {
    if (previous.current > 0 && indexingCount < previous.current) {
      void queryClient.invalidateQueries({ queryKey: knowledgeKeys.source(sourceId) });
    }
    previous.current = indexingCount;
  }, [queryClient, sourceId, indexingCount]);
}

/** Whether every document being indexed while the list was shown is done with it (until the next one starts). */
function useHasIndexingFinished(indexingCount: number): boolean {
  const [hasFinished, setHasFinished] = useState(false);
  const previous = useRef(indexingCount);
  useEffect(() => {
    if (indexingCount > 0) setHasFinished(false);
    else if (previous.current > 0) setHasFinished(true);
    previous.current = indexingCount;
  }, [indexingCount]);
  return hasFinished;
}
