import { Link } from 'react-router';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { ServerStatus } from './server-status';
import { transportLabels, useMcpServers, type McpServer } from './tools-api';

/** Where a server is: its URL, or the exact command line it runs. */
export function serverAddress(server: Pick<McpServer, 'url' | 'command'>): string {
  return server.url ?? server.command?.join(' ') ?? '—';
}

/** The tenant's MCP servers, how their last sync went and when. */
export function ServersPage() {
  const servers = useMcpServers();
  return (
    <section className="stack" aria-labelledby="servers-heading">
      <div className="row page-header">
        <h1 id="servers-heading">MCP servers</h1>
        <span className="spacer" />
        <Link className="button primary" to="new">
          Add server
        </Link>
      </div>
      <p className="muted intro">
        An MCP server offers tools. Add one and sync it to list its tools: they arrive switched off. Enable the ones
        members&apos; agents may use, and choose whether their calls need approval.
      </p>
      {servers.isPending ? (
        <p className="muted state-text">Loading MCP servers…</p>
      ) : servers.isError ? (
        <ErrorNotice error={servers.error} onRetry={() => void servers.refetch()} />
      ) : servers.data.items.length === 0 ? (
        <p className="muted state-text">No MCP servers yet. Add one to give agents tools.</p>
      ) : (
        <table className="responsive" aria-label="MCP servers">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Transport</th>
              <th scope="col">Address</th>
              <th scope="col">Last sync</th>
            </tr>
          </thead>
          <tbody>
            {servers.data.items.map((server) => (
              <tr key={server.id}>
                <th scope="row" data-label="Name" className="cell-title cell-break">
                  <Link to={server.id}>{server.name}</Link>
                </th>
                <td data-label="Status">
                  <ServerStatus server={server} />
                </td>
                <td data-label="Transport" className="cell-nowrap">
                  {transportLabels[server.transport]}
                </td>
                <td data-label="Address" className="cell-break">
                  <code>{serverAddress(server)}</code>
                </td>
                <td data-label="Last sync" className="cell-nowrap">
                  {formatDateTime(server.lastSyncedAt, 'Never')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
