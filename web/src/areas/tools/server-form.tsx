import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, FieldGroup, TextField } from '../../ui/field';
import { SecretValuesEditor, secretsToSend, type NamedValue, type SecretsChange } from './secret-values-editor';
import {
  mcpTransports,
  transportLabels,
  useStdioCommands,
  type McpServer,
  type McpServerInput,
  type McpTransport,
  type StdioCommand,
  type StdioIsolation,
} from './tools-api';

/**
 * Name and transport of an MCP server, then what the transport needs: a URL and headers for HTTP, an
 * command template with its parameters and environment for stdio. The transport is fixed once created.
 */
export function ServerForm(props: {
  server?: McpServer;
  isBusy: boolean;
  error: unknown;
  onSubmit: (input: McpServerInput) => void;
  onCancel: () => void;
}) {
  const { server, error } = props;
  const [name, setName] = useState(server?.name ?? '');
  const [transport, setTransport] = useState<McpTransport>(server?.transport ?? 'streamable-http');
  const [url, setUrl] = useState(server?.url ?? '');
  const [enabled, setEnabled] = useState(server?.enabled ?? true);
  const [stdioCommandId, setStdioCommandId] = useState(server?.stdioCommandId ?? '');
  const [parameters, setParameters] = useState<Record<string, string>>(server?.parameters ?? {});
  const storedHeaders = server?.headerNames ?? [];
  const storedEnv = server?.envNames ?? [];
  const [headersChange, setHeadersChange] = useState<SecretsChange>(storedHeaders.length ? 'keep' : 'replace');
  const [headers, setHeaders] = useState<NamedValue[]>([]);
  const [envChange, setEnvChange] = useState<SecretsChange>(storedEnv.length ? 'keep' : 'replace');
  const [env, setEnv] = useState<NamedValue[]>([]);
  const isStdio = transport === 'stdio';
  // Stored values only go where they were given for: moved, the server asks for them again (400).
  const isUrlMoved = server !== undefined && url.trim() !== (server.url ?? '');
  const isCommandMoved =
    server !== undefined &&
    (stdioCommandId !== (server.stdioCommandId ?? '') ||
      JSON.stringify(parameters) !== JSON.stringify(server.parameters));
  const sendAgain = (noun: string, moved: string) =>
    `The ${moved} changed: enter the ${noun} again, or remove them. Stored ones only go where they were given for.`;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input: McpServerInput = { name: name.trim(), enabled };
    if (!server) input.transport = transport;
    if (isStdio) {
      if (stdioCommandId) input.stdioCommandId = stdioCommandId;
      input.parameters = Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== ''));
      const envToSend = secretsToSend(envChange, env, storedEnv);
      if (envToSend !== undefined) input.env = envToSend;
    } else {
      input.url = url.trim();
      const headersToSend = secretsToSend(headersChange, headers, storedHeaders);
      if (headersToSend !== undefined) input.headers = headersToSend;
    }
    props.onSubmit(input);
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-label={server ? 'Edit MCP server' : 'New MCP server'}>
      <TextField
        label="Name"
        field="name"
        error={error}
        value={name}
        onValueChange={setName}
        required
        maxLength={100}
        autoComplete="off"
        hint="Letters, digits, spaces, dots, dashes and underscores."
      />
      {server ? (
        <p className="intro">
          Transport: <strong>{transportLabels[server.transport]}</strong>{' '}
          <span className="muted">(to change it, add another server)</span>
        </p>
      ) : (
        <FieldGroup legend="Transport" field="transport" error={error}>
          {mcpTransports.map((each) => (
            <label key={each} className="inline">
              <input
                type="radio"
                name="transport"
                value={each}
                checked={transport === each}
                onChange={() => setTransport(each)}
              />
              {transportLabels[each]}
            </label>
          ))}
        </FieldGroup>
      )}
      {isStdio ? (
        <StdioFields
          error={error}
          stdioCommandId={stdioCommandId}
          onStdioCommandIdChange={setStdioCommandId}
          parameters={parameters}
          onParametersChange={setParameters}
        />
      ) : (
        <TextField
          label="URL"
          field="url"
          error={error}
          value={url}
          onValueChange={setUrl}
          required
          type="url"
          maxLength={2048}
          autoComplete="off"
          placeholder={transport === 'sse' ? 'https://tools.example.com/sse' : 'https://tools.example.com/mcp'}
          hint="Private and local addresses are refused unless the server's outbound allow-list names them."
        />
      )}
      {isStdio ? (
        <SecretValuesEditor
          legend="Environment"
          noun="variable"
          field="env"
          error={error}
          storedNames={storedEnv}
          change={envChange}
          onChangeKind={setEnvChange}
          rows={env}
          onRowsChange={setEnv}
          namePlaceholder="API_TOKEN"
          hint={
            isCommandMoved && storedEnv.length > 0 && envChange === 'keep'
              ? sendAgain('variables', 'template or its parameters')
              : 'Stored encrypted and given only to this program. Only the variables its template names are accepted.'
          }
        />
      ) : (
        <SecretValuesEditor
          legend="Headers"
          noun="header"
          field="headers"
          error={error}
          storedNames={storedHeaders}
          change={headersChange}
          onChangeKind={setHeadersChange}
          rows={headers}
          onRowsChange={setHeaders}
          namePlaceholder="Authorization"
          hint={
            isUrlMoved && storedHeaders.length > 0 && headersChange === 'keep'
              ? sendAgain('headers', 'URL')
              : 'Stored encrypted and sent only to this server, e.g. an API key.'
          }
        />
      )}
      <label className="inline">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        Enabled
      </label>
      {error !== null && error !== undefined && <ErrorNotice error={error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={props.isBusy}>
          {props.isBusy ? 'Saving…' : server ? 'Save changes' : 'Add server'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Fills a template's arguments as the server does: an element whose parameter is left empty is left out. */
export function previewCommand(command: StdioCommand, values: Record<string, string>): string[] {
  const placeholder = /\{([a-z][a-z0-9_]{0,39})\}/g;
  const filled = (name: string) => (values[name] ?? '') !== '';
  const args = command.args
    .filter((element) => [...element.matchAll(placeholder)].every((match) => filled(match[1]!)))
    .map((element) => element.replace(placeholder, (_match, name: string) => values[name] ?? ''));
  return [command.executablePath, ...args];
}

/** The command template, one field per parameter (each is one argument; no shell), and the line that will run. */
function StdioFields(props: {
  error: unknown;
  stdioCommandId: string;
  onStdioCommandIdChange: (id: string) => void;
  parameters: Record<string, string>;
  onParametersChange: (parameters: Record<string, string>) => void;
}) {
  const commands = useStdioCommands();
  const { parameters, onParametersChange } = props;
  const chosen = commands.data?.items.find((command) => command.id === props.stdioCommandId);

  if (commands.isPending) return <p className="muted">Loading the command templates…</p>;
  if (commands.isError) return <ErrorNotice error={commands.error} onRetry={() => void commands.refetch()} />;
  const { isolation } = commands.data;
  if (commands.data.items.length === 0) {
    return (
      <p className="error-notice" role="alert">
        No command templates exist yet. A platform administrator makes them under Tools → Command templates.
      </p>
    );
  }
  return (
    <>
      <IsolationNotice isolation={isolation} />
      <Field label="Command template" field="stdioCommandId" error={props.error}>
        {(control) => (
          <select
            {...control}
            value={props.stdioCommandId}
            onChange={(event) => props.onStdioCommandIdChange(event.target.value)}
            required
          >
            <option value="">Choose a command template…</option>
            {commands.data.items.map((command) => (
              <option key={command.id} value={command.id}>
                {command.name} ({command.executablePath})
              </option>
            ))}
          </select>
        )}
      </Field>
      {chosen?.description && <p className="muted">{chosen.description}</p>}
      {chosen?.parameters.map((parameter) => (
        <TextField
          key={parameter.name}
          label={parameter.name}
          field={`parameters.${parameter.name}`}
          error={props.error}
          value={parameters[parameter.name] ?? ''}
          onValueChange={(value) => onParametersChange({ ...parameters, [parameter.name]: value })}
          required={parameter.required}
          maxLength={1024}
          autoComplete="off"
          spellCheck={false}
          hint={`${parameter.description ? `${parameter.description}. ` : ''}${parameter.type === 'url' ? 'An http(s) URL' : parameter.type === 'integer' ? 'A whole number' : 'Text'} matching ${parameter.pattern}; never starting with '-'.`}
        />
      ))}
      {chosen && (
        <div className="field">
          <span id="command-preview-label">Command that will run</span>
          <code className="command-line" aria-labelledby="command-preview-label">
            {previewCommand(chosen, parameters).join(' ')}
          </code>
          <span className="muted field-hint">
            {chosen.envNames.length > 0
              ? `Environment variables it may be given: ${chosen.envNames.join(', ')}.`
              : 'It takes no environment variables.'}{' '}
            {chosen.allowNetwork ? 'It may use the network.' : 'It has no network where the server sandboxes it.'}
          </span>
        </div>
      )}
    </>
  );
}

/** What confinement stdio servers get on this server, and what is missing, in the admins' words. */
export function IsolationNotice({ isolation }: { isolation: StdioIsolation }) {
  if (isolation.refusal) {
    return (
      <p className="error-notice" role="alert">
        stdio servers cannot start on this server: {isolation.refusal}
      </p>
    );
  }
  if (isolation.missing.length === 0) {
    return (
      <p className="muted" aria-label="Isolation">
        Each program runs in a bubblewrap sandbox{isolation.runAs ? ` as ${isolation.runAs}` : ''}: no access to the
        server's data, a private /tmp, and no network unless its template allows it.
      </p>
    );
  }
  return (
    <div className="error-notice" role="status" aria-label="Isolation">
      <p>These programs run with less isolation on this server{isolation.runAs ? ` (as ${isolation.runAs})` : ''}:</p>
      <ul>
        {isolation.missing.map((sentence) => (
          <li key={sentence}>{sentence}</li>
        ))}
      </ul>
    </div>
  );
}
