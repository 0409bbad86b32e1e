import { Link } from 'react-router';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { formatDateTime } from '../../ui/format';
import { channelLabels } from './inbox-form';
import { inboxKeys, inboxSettingsPath, type Inbox } from './inboxes-api';

/** The tenant's inboxes, each a link to its settings. */
export function InboxesPage() {
  const list = useCursorList<Inbox>(inboxKeys.all, '/v1/inboxes', 50);
  return (
    <section className="stack" aria-labelledby="inboxes-heading">
      <div className="page-header">
        <h1 id="inboxes-heading">Inboxes</h1>
        <Link className="button primary" to={`${inboxSettingsPath}/inboxes/new`}>
          New inbox
        </Link>
      </div>
      <p className="muted intro">
        An inbox is one chat widget on your sites, or one channel of your own system through the API: the AI answers
        first (or only people do), and a person takes over when asked.
      </p>
      <CursorListView list={list} loadingText="Loading inboxes…" emptyText="No inboxes yet.">
        {(inboxes) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Channel</th>
                <th scope="col">Answers first</th>
                <th scope="col">Origins</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {inboxes.map((inbox) => (
                <tr key={inbox.id}>
                  <th scope="row" className="cell-title">
                    <Link to={`${inboxSettingsPath}/inboxes/${inbox.id}`}>{inbox.name}</Link>
                  </th>
                  <td data-label="Channel">{channelLabels[inbox.kind]}</td>
                  <td data-label="Answers first">{inbox.agentId ? 'An agent' : 'People only'}</td>
                  <td data-label="Origins" className="cell-break">
                    {inbox.kind === 'email'
                      ? inbox.emailAddress
                      : inbox.kind === 'api'
                        ? '—'
                        : inbox.allowedOrigins.join(', ') || '—'}
                  </td>
                  <td data-label="Created">{formatDateTime(inbox.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
    </section>
  );
}
