import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { ErrorNotice } from '../../ui/error-notice';
import { TextField } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { RowActions } from '../../ui/row-actions';
import {
  mcpKeys,
  stdioCommandsApiPath,
  useStdioCommands,
  type StdioCommand,
  type StdioCommandInput,
} from './tools-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** The executables stdio MCP servers of every tenant may run; only a platform administrator changes them. */
export function StdioCommandsPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const commands = useStdioCommands();
  const [toDelete, setToDelete] = useState<StdioCommand | null>(null);
  const remove = useExclusiveMutation({
    mutationFn: (command: StdioCommand) => api.delete(`${stdioCommandsApiPath}/${encodeURIComponent(command.id)}`),
    onSuccess: async () => {
      setToDelete(null);
      await queryClient.invalidateQueries({ queryKey: mcpKeys.stdioCommands });
    },
  });

  return (
    <section className="stack" aria-labelledby="commands-heading">
      <h1 id="commands-heading">Allowed commands</h1>
      <p className="muted intro">
        A stdio MCP server runs a program on this machine. Only the executables listed here can be run, by absolute
        path, without a shell; tenant administrators choose one and add arguments.
      </p>
      <AddCommandForm />
      {commands.isPending ? (
        <p className="muted state-text">Loading the allowed commands…</p>
      ) : commands.isError ? (
        <ErrorNotice error={commands.error} onRetry={() => void commands.refetch()} />
      ) : commands.data.items.length === 0 ? (
        <p className="muted state-text">No commands are allowed yet, so no stdio MCP server can run.</p>
      ) : (
        <table className="responsive" aria-label="Allowed commands">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Executable</th>
              <th scope="col">Description</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {commands.data.items.map((command) => (
              <tr key={command.id}>
                <th scope="row" data-label="Name" className="cell-title cell-break">
                  {command.name}
                </th>
                <td data-label="Executable" className="cell-break">
                  <code>{command.executablePath}</code>
                </td>
                <td data-label="Description" className="cell-excerpt">
                  {command.description || <span className="muted">None</span>}
                </td>
                <td data-label="Added" className="cell-nowrap">
                  {formatDateTime(command.createdAt)}
                </td>
                <td className="cell-actions">
                  <RowActions
                    name={command.name}
                    onDelete={() => {
                      remove.reset();
                      setToDelete(command);
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {toDelete && (
        <ConfirmDialog
          title={`Withdraw ${toDelete.name}?`}
          confirmLabel="Withdraw command"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Servers that run it can no longer start; the server says so if any still use it.
        </ConfirmDialog>
      )}
    </section>
  );
}

function AddCommandForm() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [executablePath, setExecutablePath] = useState('');
  const [description, setDescription] = useState('');
  const [allowInterpreter, setAllowInterpreter] = useState(false);
  const add = useExclusiveMutation({
    mutationFn: (input: StdioCommandInput) => api.post<StdioCommand>(stdioCommandsApiPath, input),
    onSuccess: async () => {
      setName('');
      setExecutablePath('');
      setDescription('');
      setAllowInterpreter(false);
      await queryClient.invalidateQueries({ queryKey: mcpKeys.stdioCommands });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    add.mutate({ name: name.trim(), executablePath: executablePath.trim(), description, allowInterpreter });
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-label="Allow a command">
      <h2>Allow a command</h2>
      <div className="field-row">
        <TextField
          label="Name"
          field="name"
          error={add.error}
          value={name}
          onValueChange={setName}
          required
          maxLength={100}
          autoComplete="off"
        />
        <TextField
          label="Executable path"
          field="executablePath"
          error={add.error}
          value={executablePath}
          onValueChange={setExecutablePath}
          required
          maxLength={1024}
          placeholder="/usr/local/bin/mcp-server-git"
          hint="Absolute path. Shells and package runners (npx, uvx) are refused."
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <TextField
        label="Description"
        field="description"
        error={add.error}
        value={description}
        onValueChange={setDescription}
        maxLength={2000}
        autoComplete="off"
      />
      <label className="inline">
        <input
          type="checkbox"
          checked={allowInterpreter}
          onChange={(event) => setAllowInterpreter(event.target.checked)}
        />
        It is an interpreter (node, python…): it may run scripts from the server's MCP_SCRIPT_DIRS
      </label>
      {add.error !== null && <ErrorNotice error={add.error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? 'Saving…' : 'Allow command'}
        </button>
      </div>
    </form>
  );
}
