import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { ErrorNotice } from '../../ui/error-notice';
import { TextField } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { RowActions } from '../../ui/row-actions';
import { IsolationNotice } from './server-form';
import {
  executableKindLabels,
  mcpKeys,
  stdioCommandsApiPath,
  useStdioCommands,
  type ExecutableInspection,
  type StdioCommand,
  type StdioCommandInput,
  type StdioParameter,
} from './tools-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** The command templates stdio MCP servers of every tenant may run; only a platform administrator changes them. */
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
      <h1 id="commands-heading">Command templates</h1>
      <p className="muted intro">
        A stdio MCP server runs a program on this machine. Only the templates listed here can run: the executable by
        absolute path and its arguments, without a shell. Tenant administrators choose a template and fill its
        parameters, one argument each; they never add arguments of their own.
      </p>
      {commands.data && <IsolationNotice isolation={commands.data.isolation} />}
      <AddCommandForm />
      {commands.isPending ? (
        <p className="muted state-text">Loading the command templates…</p>
      ) : commands.isError ? (
        <ErrorNotice error={commands.error} onRetry={() => void commands.refetch()} />
      ) : commands.data.items.length === 0 ? (
        <p className="muted state-text">No command templates exist yet, so no stdio MCP server can run.</p>
      ) : (
        <table className="responsive" aria-label="Command templates">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Command</th>
              <th scope="col">What it is</th>
              <th scope="col">Tenants fill</th>
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
                <td data-label="Command" className="cell-break">
                  <code>{[command.executablePath, ...command.args].join(' ')}</code>
                  {command.description && <div className="muted">{command.description}</div>}
                </td>
                <td data-label="What it is" className="cell-excerpt">
                  <InspectionSummary inspection={command.inspection} />
                </td>
                <td data-label="Tenants fill" className="cell-excerpt">
                  {command.parameters.length > 0
                    ? command.parameters.map((parameter) => parameter.name).join(', ')
                    : 'No parameters'}
                  {command.envNames.length > 0 && <div className="muted">Env: {command.envNames.join(', ')}</div>}
                  <div className="muted">{command.allowNetwork ? 'Network allowed' : 'No network'}</div>
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
          Servers that run it can no longer start; each says so until its tenant chooses another template.
        </ConfirmDialog>
      )}
    </section>
  );
}

/** What the file behind a template's path is, as the server judged it (resolved path, kind, interpreter). */
function InspectionSummary({ inspection }: { inspection: ExecutableInspection | null }) {
  if (!inspection) return <span className="muted">Missing or not executable on this server</span>;
  return (
    <>
      <strong>{executableKindLabels[inspection.kind]}</strong>: {inspection.summary}
      {inspection.resolvedPath !== inspection.executablePath && (
        <div className="muted">
          Resolves to <code>{inspection.resolvedPath}</code>
        </div>
      )}
    </>
  );
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

const emptyParameter = (): StdioParameter => ({
  name: '',
  type: 'string',
  pattern: '',
  description: '',
  required: true,
});

function AddCommandForm() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [executablePath, setExecutablePath] = useState('');
  const [description, setDescription] = useState('');
  const [allowInterpreter, setAllowInterpreter] = useState(false);
  const [argsText, setArgsText] = useState('');
  const [parameters, setParameters] = useState<StdioParameter[]>([]);
  const [envNamesText, setEnvNamesText] = useState('');
  const [readOnlyPathsText, setReadOnlyPathsText] = useState('');
  const [allowNetwork, setAllowNetwork] = useState(false);
  const inspect = useExclusiveMutation({
    mutationFn: (path: string) =>
      api.post<ExecutableInspection>(`${stdioCommandsApiPath}/inspect`, { executablePath: path }),
  });
  const add = useExclusiveMutation({
    mutationFn: (input: StdioCommandInput) => api.post<StdioCommand>(stdioCommandsApiPath, input),
    onSuccess: async () => {
      setName('');
      setExecutablePath('');
      setDescription('');
      setAllowInterpreter(false);
      setArgsText('');
      setParameters([]);
      setEnvNamesText('');
      setReadOnlyPathsText('');
      setAllowNetwork(false);
      inspect.reset();
      await queryClient.invalidateQueries({ queryKey: mcpKeys.stdioCommands });
    },
  });
  const inspected = inspect.data?.executablePath === executablePath.trim() ? inspect.data : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    add.mutate({
      name: name.trim(),
      executablePath: executablePath.trim(),
      description,
      allowInterpreter,
      args: argsText.split('\n').filter((line) => line !== ''),
      parameters: parameters.map((parameter) => ({ ...parameter, name: parameter.name.trim() })),
      envNames: envNamesText
        .split(/[\s,]+/)
        .map((each) => each.trim())
        .filter(Boolean),
      allowNetwork,
      readOnlyPaths: lines(readOnlyPathsText),
    });
  }

  const changeParameter = (index: number, change: Partial<StdioParameter>) =>
    setParameters(parameters.map((each, at) => (at === index ? { ...each, ...change } : each)));

  return (
    <form className="card stack form" onSubmit={submit} aria-label="Make a command template">
      <h2>Make a command template</h2>
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
          error={add.error ?? inspect.error}
          value={executablePath}
          onValueChange={setExecutablePath}
          required
          maxLength={1024}
          placeholder="/usr/local/bin/mcp-server-git"
          hint="Absolute path. See what it is before allowing it."
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="row">
        <button
          type="button"
          disabled={inspect.isPending || executablePath.trim() === ''}
          onClick={() => inspect.mutate(executablePath.trim())}
        >
          {inspect.isPending ? 'Inspecting…' : 'What is it?'}
        </button>
      </div>
      {inspected && (
        <p className={inspected.runsCode ? 'error-notice' : 'muted'} role="status" aria-label="What the executable is">
          <code>{inspected.resolvedPath}</code> is <InspectionSummary inspection={inspected} />
          {inspected.runsCode &&
            ' It can run anything it is given: allow it only as a template marked below, running a vetted script.'}
        </p>
      )}
      <TextField
        label="Description"
        field="description"
        error={add.error}
        value={description}
        onValueChange={setDescription}
        maxLength={2000}
        autoComplete="off"
      />
      <label className="field">
        <span>Arguments, one per line</span>
        <textarea
          name="args"
          aria-label="Arguments, one per line"
          value={argsText}
          onChange={(event) => setArgsText(event.target.value)}
          rows={3}
          spellCheck={false}
          placeholder={'--repository\n{repository}'}
        />
        <span className="muted field-hint">
          Each line is one argument, passed as it is. {'{name}'} is replaced by the tenant's value of the parameter
          name.
        </span>
      </label>
      <fieldset className="stack">
        <legend>Parameters tenants fill</legend>
        {parameters.map((parameter, index) => (
          <div className="row secret-row" key={index}>
            <input
              aria-label={`Parameter ${index + 1} name`}
              placeholder="repository"
              value={parameter.name}
              onChange={(event) => changeParameter(index, { name: event.target.value })}
              maxLength={40}
              autoComplete="off"
              spellCheck={false}
            />
            <select
              aria-label={`Parameter ${index + 1} type`}
              value={parameter.type}
              onChange={(event) => changeParameter(index, { type: event.target.value as StdioParameter['type'] })}
            >
              <option value="string">Text</option>
              <option value="integer">Whole number</option>
              <option value="url">http(s) URL</option>
            </select>
            <input
              aria-label={`Parameter ${index + 1} pattern`}
              placeholder="[a-z0-9-]{1,64}"
              value={parameter.pattern}
              onChange={(event) => changeParameter(index, { pattern: event.target.value })}
              maxLength={500}
              autoComplete="off"
              spellCheck={false}
            />
            <label className="inline">
              <input
                type="checkbox"
                checked={parameter.required}
                onChange={(event) => changeParameter(index, { required: event.target.checked })}
              />
              Required
            </label>
            <button
              type="button"
              aria-label={`Remove parameter ${index + 1}`}
              onClick={() => setParameters(parameters.filter((_, at) => at !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <div className="row">
          <button type="button" onClick={() => setParameters([...parameters, emptyParameter()])}>
            Add parameter
          </button>
        </div>
        <span className="muted field-hint">
          The pattern must match the whole value. A value never starts with '-', so it can never become an option.
        </span>
      </fieldset>
      <TextField
        label="Environment variables tenants may set"
        field="envNames"
        error={add.error}
        value={envNamesText}
        onValueChange={setEnvNamesText}
        maxLength={4000}
        placeholder="GITHUB_TOKEN"
        hint="Names separated by commas. Names that change how programs load or where they connect are refused."
        autoComplete="off"
        spellCheck={false}
      />
      <label className="field">
        <span>Read-only paths in its sandbox, one per line</span>
        <textarea
          name="readOnlyPaths"
          aria-label="Read-only paths in its sandbox, one per line"
          value={readOnlyPathsText}
          onChange={(event) => setReadOnlyPathsText(event.target.value)}
          rows={2}
          spellCheck={false}
          placeholder="/opt/mcp-server-git"
        />
        <span className="muted field-hint">
          Its own files outside /usr. The server's data directory, system folders and other services' socket folders are
          never given.
        </span>
      </label>
      <label className="inline">
        <input type="checkbox" checked={allowNetwork} onChange={(event) => setAllowNetwork(event.target.checked)} />
        It may reach public addresses (and what OUTBOUND_ALLOW opens) through the server's proxy; never the server's own
        network
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={allowInterpreter}
          onChange={(event) => setAllowInterpreter(event.target.checked)}
        />
        It is a shell, interpreter, script or a program that runs commands, and I allow it anyway (an interpreter then
        runs only a script from the server's MCP_SCRIPT_DIRS)
      </label>
      {add.error !== null && <ErrorNotice error={add.error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? 'Saving…' : 'Make template'}
        </button>
      </div>
    </form>
  );
}
