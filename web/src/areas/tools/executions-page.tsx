import { useQuery } from '@tanstack/react-query';
import { useServices, useSignedInSession } from '../../app-context';
import type { TenantUser } from '../admin/admin-api';
import { CursorListView, useCursorList, type Page } from '../../ui/cursor-list';
import { formatDateTime } from '../../ui/format';
import {
  executionsApiPath,
  formatDuration,
  mcpKeys,
  outcomeLabels,
  useMcpServers,
  type ToolExecution,
} from './tools-api';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Names for the ids in the log; an id not found (a deleted user, a later page) stays short. */
function useUserNames(): (id: string | null) => string {
  const { api } = useServices();
  const session = useSignedInSession();
  const users = useQuery({
    queryKey: ['users', 'names'],
    queryFn: () => api.get<Page<TenantUser>>('/v1/users?limit=100'),
  });
  return (id) => {
    if (id === null) return 'An agent';
    if (id === session.user.id) return 'You';
    const user = users.data?.items.find((each) => each.id === id);
    return user ? (user.displayName ?? user.email) : `User ${id.slice(0, 8)}`;
  };
}

/** Every tool call of the tenant, newest first: who ran what, how it went, how long it took and how much came back. */
export function ExecutionsPage() {
  const list = useCursorList<ToolExecution>(mcpKeys.executions, executionsApiPath, 50);
  const servers = useMcpServers();
  const userName = useUserNames();
  const serverName = (id: string | null) => servers.data?.items.find((server) => server.id === id)?.name;

  return (
    <section className="stack" aria-labelledby="executions-heading">
      <div className="row page-header">
        <h1 id="executions-heading">Execution log</h1>
        <span className="spacer" />
        <button type="button" onClick={() => void list.query.refetch()} disabled={list.query.isFetching}>
          Refresh
        </button>
      </div>
      <p className="muted intro">Arguments are not kept, only a digest of them, since they may hold personal data.</p>
      <CursorListView list={list} loadingText="Loading the log…" emptyText="No tool has run yet.">
        {(executions) => (
          <table className="responsive" aria-label="Tool executions">
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Time</th>
                <th scope="col">User</th>
                <th scope="col">Outcome</th>
                <th scope="col">Duration</th>
                <th scope="col">Size</th>
              </tr>
            </thead>
            <tbody>
              {executions.map((execution) => {
                const server = serverName(execution.serverId);
                return (
                  <tr key={execution.id}>
                    <th scope="row" data-label="Tool" className="cell-title cell-break">
                      {execution.toolName}
                      {server && <span className="document-url muted">{server}</span>}
                    </th>
                    <td data-label="Time" className="cell-nowrap">
                      {formatDateTime(execution.createdAt)}
                    </td>
                    <td data-label="User" className="cell-break">
                      {userName(execution.userId)}
                    </td>
                    <td data-label="Outcome">
                      <span className="document-status">
                        <span className={execution.outcome === 'success' ? 'badge badge-ok' : 'badge badge-danger'}>
                          {outcomeLabels[execution.outcome]}
                        </span>
                        {execution.errorMessage && <span className="document-error">{execution.errorMessage}</span>}
                      </span>
                    </td>
                    <td data-label="Duration" className="cell-nowrap">
                      {formatDuration(execution.durationMs)}
                    </td>
                    <td data-label="Size" className="cell-nowrap">
                      {formatBytes(execution.resultBytes)}
                      {execution.truncated && <span className="badge badge-warning">Truncated</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </CursorListView>
    </section>
  );
}
