import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { ServerForm } from './server-form';
import {
  mcpKeys,
  serverApiPath,
  serversApiPath,
  toolsPath,
  useMcpServer,
  type McpServer,
  type McpServerInput,
} from './tools-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** Add or edit a server; to the server's page when saved. */
function ServerEditor(props: { server?: McpServer }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { server } = props;
  const backTo = server ? `${toolsPath}/${server.id}` : toolsPath;

  const save = useExclusiveMutation({
    mutationFn: (input: McpServerInput) =>
      server ? api.patch<McpServer>(serverApiPath(server.id), input) : api.post<McpServer>(serversApiPath, input),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: mcpKeys.all });
      await navigate(`${toolsPath}/${saved.id}`);
    },
  });

  return (
    <section className="stack" aria-labelledby="server-editor-heading">
      <h1 id="server-editor-heading">{server ? `Edit ${server.name}` : 'Add an MCP server'}</h1>
      <ServerForm
        server={server}
        isBusy={save.isPending}
        error={save.error}
        onSubmit={(input) => save.mutate(input)}
        onCancel={() => void navigate(backTo)}
      />
    </section>
  );
}

export function NewServerPage() {
  return <ServerEditor />;
}

export function EditServerPage() {
  const { serverId = '' } = useParams();
  const server = useMcpServer(serverId);
  if (server.isPending) return <p className="muted state-text">Loading the server…</p>;
  if (server.isError) {
    return (
      <section className="stack">
        <h1>Edit MCP server</h1>
        <ErrorNotice error={server.error} onRetry={() => void server.refetch()} />
      </section>
    );
  }
  return <ServerEditor key={`${server.data.id}-${server.data.updatedAt}`} server={server.data} />;
}
