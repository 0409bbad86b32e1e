import type { McpServer } from './tools-api';

const statusLooks = {
  unknown: { label: 'Not synced', className: 'badge' },
  connected: { label: 'Connected', className: 'badge badge-ok' },
  error: { label: 'Error', className: 'badge badge-danger' },
} as const;

/** How the last connection went, with the server's sentence when it failed. */
export function ServerStatus({ server }: { server: Pick<McpServer, 'status' | 'statusMessage' | 'enabled'> }) {
  const look = statusLooks[server.status];
  return (
    <span className="server-status">
      <span className="row">
        <span className={look.className}>{look.label}</span>
        {!server.enabled && <span className="badge badge-warning">Disabled</span>}
      </span>
      {server.status === 'error' && server.statusMessage && (
        <span className="document-error">{server.statusMessage}</span>
      )}
    </span>
  );
}
