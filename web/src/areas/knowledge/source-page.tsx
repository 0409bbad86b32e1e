import { useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, Navigate, Route, Routes, useNavigate, useParams } from 'react-router';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { DeleteWithConfirm } from '../../ui/delete-with-confirm';
import { ErrorNotice } from '../../ui/error-notice';
import { AddFromUrlForm, DocumentUpload } from './document-upload';
import { DocumentsTable } from './documents-table';
import { ImportFiles } from './import-files';
import { knowledgeKeys, knowledgePath, sourceApiPath, useKnowledgeSource, type KnowledgeSource } from './knowledge-api';
import { RetrievalPlayground } from './retrieval-playground';

/** One source: what it is, then its documents or the query playground (two tabs with addresses of their own). */
export function SourcePage() {
  const { sourceId = '' } = useParams();
  const session = useSignedInSession();
  const source = useKnowledgeSource(sourceId);
  const canManage = hasRoleAtLeast(session.user.role, 'tenant_admin');

  if (source.isPending) return <p className="page muted state-text">Loading the source…</p>;
  if (source.isError) {
    return (
      <section className="page">
        <h1>Knowledge source</h1>
        <ErrorNotice error={source.error} onRetry={() => void source.refetch()} />
        <Link to={knowledgePath}>Back to the sources</Link>
      </section>
    );
  }
  const base = `${knowledgePath}/${sourceId}`;
  return (
    <section className="page" aria-labelledby="source-heading">
      <SourceHeader source={source.data} canManage={canManage} />
      <nav className="subnav" aria-label="Source">
        <NavLink to={base} end>
          Documents
        </NavLink>
        <NavLink to={`${base}/query`}>Try a query</NavLink>
      </nav>
      <Routes>
        <Route
          index
          element={
            <div className="stack">
              {canManage && (
                <section className="card stack" aria-label="Add documents">
                  <DocumentUpload sourceId={sourceId} />
                  <AddFromUrlForm sourceId={sourceId} />
                </section>
              )}
              {canManage && (
                <section className="card">
                  <ImportFiles sourceId={sourceId} />
                </section>
              )}
              <DocumentsTable sourceId={sourceId} canManage={canManage} />
            </div>
          }
        />
        <Route
          path="query"
          element={<RetrievalPlayground sourceId={sourceId} rerankModel={source.data.rerankModel} />}
        />
        <Route path="*" element={<Navigate to={base} replace />} />
      </Routes>
    </section>
  );
}

function SourceHeader({ source, canManage }: { source: KnowledgeSource; canManage: boolean }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  return (
    <>
      <div className="row page-header">
        <h1 id="source-heading" className="cell-break">
          {source.name}
        </h1>
        <span className="spacer" />
        {canManage && (
          <div className="row">
            <Link className="button" to={`${knowledgePath}/${source.id}/edit`}>
              Edit
            </Link>
            <DeleteWithConfirm
              title={`Delete source ${source.name}?`}
              confirmLabel="Delete source"
              onDelete={() => api.delete(sourceApiPath(source.id))}
              onDeleted={async () => {
                await navigate(knowledgePath);
                // Forgotten first: refreshing them would ask for what was just deleted (404s in the console).
                queryClient.removeQueries({ queryKey: knowledgeKeys.source(source.id) });
                queryClient.removeQueries({ queryKey: knowledgeKeys.documents(source.id) });
                await queryClient.invalidateQueries({ queryKey: knowledgeKeys.all });
              }}
            >
              Its documents and passages are deleted, and agents using it stop answering from it. This cannot be undone.
            </DeleteWithConfirm>
          </div>
        )}
      </div>
      {source.description.trim() && <p className="intro">{source.description}</p>}
      <p className="muted intro source-facts">
        {source.documentCount.toLocaleString('en')} {source.documentCount === 1 ? 'document' : 'documents'} ·{' '}
        {source.chunkCount.toLocaleString('en')} passages · <code>{source.embeddingModel}</code> (
        {source.embeddingDimensions} dimensions) ·{' '}
        {source.rerankModel && (
          <>
            reranked by <code>{source.rerankModel}</code> ·{' '}
          </>
        )}
        passages of {source.chunkTokens} tokens, {source.chunkOverlapTokens} overlapping
      </p>
    </>
  );
}
