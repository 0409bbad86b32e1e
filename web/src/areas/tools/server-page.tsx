import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { DeleteWithConfirm } from '../../ui/delete-with-confirm';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { ServerStatus } from './server-status';
import { ToolsList } from './tools-list';
import {
  mcpKeys,
  serverApiPath,
  toolsPath,
  transportLabels,
  useMcpServer,
  type McpServer,
  type McpTool,
} from './tools-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** One server: where it is, how its last sync went, a Sync button, and its tools. */
export function ServerPage() {
  const { serverId = '' } = useParams();
  const server = useMcpServer(serverId);
  if (server.isPending) return <p className="muted state-text">Loading the server…</p>;
  if (server.isError) {
    return (
      <section className="stack">
        <h1>MCP server</h1>
        <ErrorNotice error={server.error} onRetry={() => void server.refetch()} />
        <Link to={toolsPath}>Back to the servers</Link>
      </section>
    );
  }
  return (
    <section className="stack" aria-labelledby="server-heading">
      <ServerHeader server={server.data} />
      <ServerFacts server={server.data} />
      <SyncPanel server={server.data} />
      <ToolsList serverId={server.data.id} />
    </section>
  );
}

function ServerFacts({ server }: { server: McpServer }) {
  return (
    <dl className="card facts">
      <dt>Status</dt>
      <dd>
        <ServerStatus server={server} />
      </dd>
      <dt>Transport</dt>
      <dd>{transportLabels[server.transport]}</dd>
      {server.url !== null && (
        <>
          <dt>URL</dt>
          <dd>
            <code>{server.url}</code>
          </dd>
        </>
      )}
      {server.transport === 'stdio' && (
        <>
          <dt>Command</dt>
          <dd>
            {server.command !== null ? (
              <code className="command-line">{server.command.join(' ')}</code>
            ) : (
              <span className="muted">
                None: it has no command template (withdrawn, or it gave free arguments, which no longer run). Edit the
                server to choose one.
              </span>
            )}
          </dd>
        </>
      )}
      {server.transport !== 'stdio' && (
        <>
          <dt>Headers</dt>
          <dd>{server.headerNames.length ? server.headerNames.join(', ') : <span className="muted">None</span>}</dd>
        </>
      )}
      {server.transport === 'stdio' && (
        <>
          <dt>Environment</dt>
          <dd>{server.envNames.length ? server.envNames.join(', ') : <span className="muted">None</span>}</dd>
        </>
      )}
      <dt>Last sync</dt>
      <dd>{formatDateTime(server.lastSyncedAt, 'Never')}</dd>
    </dl>
  );
}

/** Connects, lists the tools and stores them; says how many came back, or the server's sentence. */
function SyncPanel({ server }: { server: McpServer }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const sync = useExclusiveMutation({
    mutationFn: () => api.post<{ items: McpTool[] }>(`${serverApiPath(server.id)}/sync`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: mcpKeys.all }),
  });
  const count = sync.data?.items.length;
  return (
    <div className="stack">
      <div className="row">
        <button type="button" className="primary" onClick={() => sync.mutate()} disabled={sync.isPending}>
          {sync.isPending ? 'Syncing…' : 'Sync tools'}
        </button>
        <span className="muted">Connects to the server and reads its list of tools.</span>
      </div>
      {count !== undefined && !sync.isPending && (
        <p className="success-notice" role="status">
          Synced: {count} {count === 1 ? 'tool' : 'tools'} found.
        </p>
      )}
      {sync.error !== null && <ErrorNotice error={sync.error} />}
    </div>
  );
}

function ServerHeader({ server }: { server: McpServer }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <div className="row page-header">
      <h1 id="server-heading" className="cell-break">
        {server.name}
      </h1>
      <span className="spacer" />
      <div className="row">
        <Link className="button" to={`${toolsPath}/${server.id}/edit`}>
          Edit
        </Link>
        <DeleteWithConfirm
          title={`Delete ${server.name}?`}
          confirmLabel="Delete server"
          onDelete={() => api.delete(serverApiPath(server.id))}
          onDeleted={async () => {
            await navigate(toolsPath);
            // Forgotten first: refreshing them would ask for what was just deleted (404s in the console).
            queryClient.removeQueries({ queryKey: mcpKeys.server(server.id) });
            queryClient.removeQueries({ queryKey: mcpKeys.tools(server.id) });
            await queryClient.invalidateQueries({ queryKey: mcpKeys.all });
          }}
        >
          Its tools are removed and agents can no longer call them. The execution log keeps its entries.
        </DeleteWithConfirm>
      </div>
    </div>
  );
}
