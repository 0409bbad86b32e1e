import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field } from '../../ui/field';
import { TryTool } from './try-tool';
import { approvalLabels, mcpKeys, toolApiPath, toolsApiPath, type McpTool, type ToolApproval } from './tools-api';

/** A server's synced tools: what each does and takes, whether it is enabled and needs approval, and a Try it. */
export function ToolsList({ serverId }: { serverId: string }) {
  const { api } = useServices();
  const tools = useQuery({
    queryKey: mcpKeys.tools(serverId),
    queryFn: () => api.get<{ items: McpTool[] }>(`${toolsApiPath}?${new URLSearchParams({ serverId }).toString()}`),
  });

  return (
    <section className="stack" aria-labelledby="tools-heading">
      <div className="row">
        <h2 id="tools-heading" className="section-heading">
          Tools
        </h2>
        <span className="spacer" />
        {tools.data && <EnableAll serverId={serverId} tools={tools.data.items} />}
      </div>
      {tools.isPending ? (
        <p className="muted state-text">Loading tools…</p>
      ) : tools.isError ? (
        <ErrorNotice error={tools.error} onRetry={() => void tools.refetch()} />
      ) : tools.data.items.length === 0 ? (
        <p className="muted state-text">No tools yet. Sync the server to read its list.</p>
      ) : (
        <ul className="tool-list" aria-label="Tools">
          {tools.data.items.map((tool) => (
            <ToolItem key={tool.id} tool={tool} />
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * Synced tools arrive switched off, one by one to choose; for a server an admin trusts whole, one click
 * switches on those still off (each keeps its approval).
 */
function EnableAll({ serverId, tools }: { serverId: string; tools: readonly McpTool[] }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const off = tools.filter((tool) => !tool.enabled);
  const enableAll = useMutation({
    mutationFn: async () => {
      for (const tool of off) await api.patch<McpTool>(toolApiPath(tool.id), { enabled: true });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: mcpKeys.tools(serverId) }),
  });
  if (off.length < 2 && !enableAll.isError) return null;
  return (
    <div className="row">
      {enableAll.isError && <ErrorNotice error={enableAll.error} />}
      {off.length >= 2 && (
        <button type="button" onClick={() => enableAll.mutate()} disabled={enableAll.isPending}>
          {enableAll.isPending ? 'Enabling…' : `Enable all ${off.length} switched off`}
        </button>
      )}
    </div>
  );
}

interface ToolChange {
  enabled?: boolean;
  approval?: ToolApproval;
}

function ToolItem({ tool }: { tool: McpTool }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [isTrying, setIsTrying] = useState(false);
  // The change shows at once (a checkbox that waits for the server looks broken); a refusal puts it back.
  const [pending, setPending] = useState<ToolChange | null>(null);
  const update = useMutation({
    mutationFn: (change: ToolChange) => api.patch<McpTool>(toolApiPath(tool.id), change),
    onSuccess: (saved) =>
      queryClient.setQueryData<{ items: McpTool[] }>(mcpKeys.tools(tool.serverId), (current) =>
        current ? { items: current.items.map((each) => (each.id === saved.id ? saved : each)) } : current,
      ),
    onError: () => setPending(null),
  });
  // Cleared once the saved tool arrives, not when the request ends: the list re-renders a moment later.
  useEffect(() => setPending(null), [tool]);
  const enabled = pending?.enabled ?? tool.enabled;
  const approval = pending?.approval ?? tool.approval;

  return (
    <li className="card stack tool-item" aria-label={tool.name}>
      <div className="row">
        <strong className="tool-name">{tool.name}</strong>
        {!enabled && <span className="badge badge-warning">Disabled</span>}
        {approval === 'needs_approval' && <span className="badge">Needs approval</span>}
      </div>
      {tool.description.trim() ? (
        <p className="intro tool-description">{tool.description}</p>
      ) : (
        <p className="intro muted">No description.</p>
      )}
      <div className="row tool-controls">
        <label className="inline">
          <input
            type="checkbox"
            checked={enabled}
            disabled={pending !== null}
            onChange={(event) => {
              setPending({ enabled: event.target.checked });
              update.mutate({ enabled: event.target.checked });
            }}
          />
          Enabled
        </label>
        <Field label="Approval" field="approval" error={update.error}>
          {(control) => (
            <select
              {...control}
              value={approval}
              disabled={pending !== null}
              onChange={(event) => {
                const change = { approval: event.target.value as ToolApproval };
                setPending(change);
                update.mutate(change);
              }}
            >
              {(Object.keys(approvalLabels) as ToolApproval[]).map((each) => (
                <option key={each} value={each}>
                  {approvalLabels[each]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <span className="spacer" />
        <button type="button" aria-expanded={isTrying} onClick={() => setIsTrying(!isTrying)}>
          {isTrying ? 'Close' : 'Try it'} <span className="visually-hidden">{tool.name}</span>
        </button>
      </div>
      {update.error !== null && <ErrorNotice error={update.error} />}
      <details className="tool-schema">
        <summary>Input schema</summary>
        <pre className="json-block">{JSON.stringify(tool.inputSchema, null, 2)}</pre>
      </details>
      {isTrying && <TryTool tool={tool} />}
    </li>
  );
}
