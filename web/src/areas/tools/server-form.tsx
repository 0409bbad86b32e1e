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
} from './tools-api';

/**
 * Name and transport of an MCP server, then what the transport needs: a URL and headers for HTTP, an
 * allowed command with its arguments and environment for stdio. The transport is fixed once created.
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
  const [args, setArgs] = useState<string[]>(server?.args ?? []);
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
    (stdioCommandId !== (server.stdioCommandId ?? '') || JSON.stringify(args) !== JSON.stringify(server.args));
  const sendAgain = (noun: string, moved: string) =>
    `The ${moved} changed: enter the ${noun} again, or remove them. Stored ones only go where they were given for.`;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input: McpServerInput = { name: name.trim(), enabled };
    if (!server) input.transport = transport;
    if (isStdio) {
      if (stdioCommandId) input.stdioCommandId = stdioCommandId;
      input.args = args;
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
          args={args}
          onArgsChange={setArgs}
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
              ? sendAgain('variables', 'command or its arguments')
              : 'Stored encrypted and given only to this program. Variables that change how programs load are refused.'
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

/** The allowed executable, its arguments one per field (no shell parses them), and the line that will run. */
function StdioFields(props: {
  error: unknown;
  stdioCommandId: string;
  onStdioCommandIdChange: (id: string) => void;
  args: string[];
  onArgsChange: (args: string[]) => void;
}) {
  const commands = useStdioCommands();
  const { args, onArgsChange } = props;
  const chosen = commands.data?.items.find((command) => command.id === props.stdioCommandId);

  if (commands.isPending) return <p className="muted">Loading the allowed commands…</p>;
  if (commands.isError) return <ErrorNotice error={commands.error} onRetry={() => void commands.refetch()} />;
  if (commands.data.items.length === 0) {
    return (
      <p className="error-notice" role="alert">
        No commands are allowed yet. A platform administrator allows executables under Tools → Allowed commands.
      </p>
    );
  }
  return (
    <>
      <Field label="Command" field="stdioCommandId" error={props.error}>
        {(control) => (
          <select
            {...control}
            value={props.stdioCommandId}
            onChange={(event) => props.onStdioCommandIdChange(event.target.value)}
            required
          >
            <option value="">Choose an allowed command…</option>
            {commands.data.items.map((command) => (
              <option key={command.id} value={command.id}>
                {command.name} ({command.executablePath})
              </option>
            ))}
          </select>
        )}
      </Field>
      <FieldGroup legend="Arguments" field="args" error={props.error}>
        {args.map((arg, index) => (
          <div className="row secret-row" key={index}>
            <input
              aria-label={`Argument ${index + 1}`}
              value={arg}
              onChange={(event) => onArgsChange(args.map((each, at) => (at === index ? event.target.value : each)))}
              maxLength={4096}
              autoComplete="off"
              spellCheck={false}
            />
            <button
              type="button"
              aria-label={`Remove argument ${index + 1}`}
              onClick={() => onArgsChange(args.filter((_, at) => at !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <div className="row">
          <button type="button" onClick={() => onArgsChange([...args, ''])}>
            Add argument
          </button>
        </div>
        <span className="muted field-hint">Each argument is passed as it is: no shell, no quoting, no variables.</span>
      </FieldGroup>
      {chosen && (
        <div className="field">
          <span id="command-preview-label">Command that will run</span>
          <code className="command-line" aria-labelledby="command-preview-label">
            {[chosen.executablePath, ...args].join(' ')}
          </code>
        </div>
      )}
    </>
  );
}
