import { Link } from 'react-router';
import { hasRoleAtLeast, useSignedInSession } from '../../app-context';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { excerpt } from '../../ui/format';
import { knowledgeKeys, sourcesApiPath, type KnowledgeSource } from './knowledge-api';

/** The tenant's knowledge sources; administrators create them, everyone can open and query them. */
export function SourcesPage() {
  const session = useSignedInSession();
  const list = useCursorList<KnowledgeSource>(knowledgeKeys.sources, sourcesApiPath, 50);
  const isAdmin = hasRoleAtLeast(session.user.role, 'tenant_admin');

  return (
    <section className="page" aria-labelledby="knowledge-heading">
      <div className="row page-header">
        <h1 id="knowledge-heading">Knowledge</h1>
        <span className="spacer" />
        {isAdmin && (
          <Link className="button primary" to="new">
            New source
          </Link>
        )}
      </div>
      <p className="muted intro">
        A knowledge source is a set of documents an agent can answer from, citing the passages it used.
        {isAdmin ? '' : ' Administrators add sources and documents; you can open them and try queries.'}
      </p>
      <CursorListView
        list={list}
        loadingText="Loading knowledge sources…"
        emptyText={
          isAdmin
            ? 'No knowledge sources yet. Create one, then upload documents to it.'
            : 'No knowledge sources yet. An administrator can create one.'
        }
      >
        {(sources) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Documents</th>
                <th scope="col">Passages</th>
                <th scope="col">Embedding model</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((source) => (
                <tr key={source.id}>
                  <th scope="row" data-label="Name" className="cell-title">
                    <Link to={source.id}>{source.name}</Link>
                  </th>
                  <td data-label="Documents">{source.documentCount.toLocaleString('en')}</td>
                  <td data-label="Passages">{source.chunkCount.toLocaleString('en')}</td>
                  <td data-label="Embedding model">
                    <code>{source.embeddingModel}</code>
                  </td>
                  <td data-label="Description" className="cell-excerpt">
                    {source.description.trim() ? excerpt(source.description) : <span className="muted">None</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
    </section>
  );
}
