import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field } from '../../ui/field';
import {
  formatDuration,
  mcpKeys,
  outcomeLabels,
  toolApiPath,
  type McpTool,
  type ToolExecutionResult,
} from './tools-api';

/** The arguments typed, read as a JSON object, or the sentence saying why they are not one. */
export function parseArguments(text: string): { value: Record<string, unknown> } | { problem: string } {
  if (text.trim() === '') return { value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `The arguments are not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'The arguments must be a JSON object, e.g. {"message": "hello"}.' };
  }
  return { value: value as Record<string, unknown> };
}

/** A starting point for the arguments: each declared property with an empty value of its type. */
function argumentsTemplate(schema: Record<string, unknown>): string {
  const properties = schema.properties;
  if (!properties || typeof properties !== 'object') return '{}';
  const emptyOf = (property: unknown) => {
    const type = (property as { type?: unknown } | null)?.type;
    if (type === 'number' || type === 'integer') return 0;
    if (type === 'boolean') return false;
    if (type === 'array') return [];
    if (type === 'object') return {};
    return '';
  };
  const template = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, emptyOf(property)]));
  return JSON.stringify(template, null, 2);
}

/** Runs the tool once with the arguments typed (checked by the server against its schema) and shows what came back. */
export function TryTool({ tool }: { tool: McpTool }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [text, setText] = useState(() => argumentsTemplate(tool.inputSchema));
  const [problem, setProblem] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (args: Record<string, unknown>) =>
      api.post<ToolExecutionResult>(`${toolApiPath(tool.id)}/execute`, { arguments: args }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: mcpKeys.executions }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Each run shows its own outcome only: the last run's error, field hint and result go.
    run.reset();
    const parsed = parseArguments(text);
    if ('problem' in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    run.mutate(parsed.value);
  }

  return (
    <form className="stack try-tool" onSubmit={submit} aria-label={`Try ${tool.name}`}>
      <Field label="Arguments (JSON)" field="arguments" error={run.error}>
        {(control) => (
          <textarea
            {...control}
            aria-invalid={problem ? true : control['aria-invalid']}
            className="json-input"
            value={text}
            onChange={(event) => setText(event.target.value)}
            rows={Math.min(12, Math.max(3, text.split('\n').length))}
            spellCheck={false}
          />
        )}
      </Field>
      {problem && (
        <p className="error-notice" role="alert">
          {problem}
        </p>
      )}
      {run.error !== null && <ErrorNotice error={run.error} />}
      <div className="row">
        <button type="submit" className="primary" disabled={run.isPending || !tool.enabled}>
          {run.isPending ? 'Running…' : 'Run'}
        </button>
        {!tool.enabled && <span className="muted">A disabled tool cannot run; enable it to try it.</span>}
      </div>
      {run.data && <ToolResult result={run.data} />}
    </form>
  );
}

function ToolResult({ result }: { result: ToolExecutionResult }) {
  const failed = result.isError || result.outcome !== 'success';
  return (
    <section className="stack tool-result" aria-label="Result">
      <div className="row">
        <span className={failed ? 'badge badge-danger' : 'badge badge-ok'}>
          {result.isError && result.outcome === 'success'
            ? 'The tool reported an error'
            : outcomeLabels[result.outcome]}
        </span>
        <span className="muted">{formatDuration(result.durationMs)}</span>
      </div>
      {result.content.map((block, index) => (
        <pre key={index} className="json-block">
          {block.type === 'text' && typeof block.text === 'string' ? block.text : JSON.stringify(block, null, 2)}
        </pre>
      ))}
      {result.content.length === 0 && <p className="muted intro">No content came back.</p>}
      {result.truncated && (
        <p className="muted intro">The result was longer than the limit and was cut; the rest was not kept.</p>
      )}
    </section>
  );
}
