import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { FieldGroup } from '../../ui/field';

/** A tool an agent may be given, as GET /v1/agents/tool-catalog answers it. */
export interface CatalogTool {
  /** `builtin:<name>` or `mcp:<tool id>`: what the agent's `toolKeys` hold. */
  key: string;
  name: string;
  description: string;
  source: 'builtin' | 'mcp';
  serverName?: string;
  approval: 'auto' | 'needs_approval';
  /** False when the tool or its server is switched off: an agent keeps it but cannot call it meanwhile. */
  enabled: boolean;
}

/** Under the tools area's root key, so a server synced or a tool switched off there shows up here too. */
const toolCatalogKey = ['mcp', 'agent-tool-catalog'] as const;

function useToolCatalog() {
  const { api } = useServices();
  return useQuery({
    queryKey: toolCatalogKey,
    queryFn: async () => (await api.get<{ items: CatalogTool[] }>('/v1/agents/tool-catalog')).items,
  });
}

/**
 * The agent's choice of tools, kept by the form. The keys are sent only once the catalog is known and
 * the choice differs from the agent's, so a catalog that failed to load never clears an agent's tools
 * and an unchanged agent is saved without touching them.
 */
export function useToolSelection(initialKeys: readonly string[] | undefined) {
  const catalog = useToolCatalog();
  const [selectedKeys, setSelectedKeys] = useState<string[]>(() => [...(initialKeys ?? [])]);
  const keysToSend = (): string[] | undefined => {
    if (!catalog.data) return undefined;
    // In the catalog's order, so the body does not depend on the order of clicks.
    const chosen = catalog.data.map((tool) => tool.key).filter((key) => selectedKeys.includes(key));
    const before = new Set(initialKeys ?? []);
    const isUnchanged = chosen.length === before.size && chosen.every((key) => before.has(key));
    return isUnchanged ? undefined : chosen;
  };
  return { catalog, selectedKeys, setSelectedKeys, keysToSend };
}

export type ToolSelection = ReturnType<typeof useToolSelection>;

/** Groups the catalog for display: Parley's built-ins first, then each MCP server's tools. */
function groupBySource(tools: CatalogTool[]): { label: string; tools: CatalogTool[] }[] {
  const groups = new Map<string, CatalogTool[]>();
  for (const tool of tools) {
    const label = tool.source === 'builtin' ? 'Built in' : `MCP · ${tool.serverName ?? 'server'}`;
    groups.set(label, [...(groups.get(label) ?? []), tool]);
  }
  return [...groups].map(([label, grouped]) => ({ label, tools: grouped }));
}

/**
 * Which tools the agent may call while it replies: one checkbox per tool, grouped by where it comes
 * from, each saying whether a person must approve every call and whether it is switched off.
 */
export function ToolPicker(props: {
  selection: ToolSelection;
  error: unknown;
  /** Administrators add MCP servers; others are told who can. */
  canAddTools: boolean;
}) {
  const { catalog, selectedKeys, setSelectedKeys } = props.selection;
  const toggle = (key: string, isChecked: boolean) =>
    setSelectedKeys((keys) =>
      isChecked ? [...keys.filter((each) => each !== key), key] : keys.filter((each) => each !== key),
    );
  const hasMcpTools = catalog.data?.some((tool) => tool.source === 'mcp') ?? false;

  return (
    <FieldGroup legend="Tools" field="toolKeys" error={props.error}>
      {catalog.isError ? (
        <ErrorNotice error={catalog.error} onRetry={() => void catalog.refetch()} />
      ) : catalog.data === undefined ? (
        <p className="muted state-text">Loading tools…</p>
      ) : (
        <div className="knowledge-picker tool-picker">
          <span className="field-hint muted">
            The agent may call these while it replies; calls marked “asks first” wait for the person chatting to approve
            them.
          </span>
          {groupBySource(catalog.data).map((group) => (
            <div key={group.label} className="tool-picker-group" role="group" aria-label={group.label}>
              <span className="tool-picker-group-label muted">{group.label}</span>
              {group.tools.map((tool) => (
                <label key={tool.key} className="inline tool-picker-item">
                  <input
                    type="checkbox"
                    checked={selectedKeys.includes(tool.key)}
                    onChange={(event) => toggle(tool.key, event.target.checked)}
                  />
                  <span>
                    <span className="tool-name">{tool.name}</span>
                    {tool.approval === 'needs_approval' && <span className="badge badge-warning">asks first</span>}
                    {!tool.enabled && <span className="badge">switched off</span>}
                    {tool.description && <span className="muted tool-picker-description">{tool.description}</span>}
                  </span>
                </label>
              ))}
            </div>
          ))}
          {!hasMcpTools && (
            <p className="muted">
              No MCP tools yet.{' '}
              {props.canAddTools ? (
                <>
                  <Link to="/tools">Add an MCP server</Link> to give agents its tools.
                </>
              ) : (
                'An administrator can add an MCP server to give agents more tools.'
              )}
            </p>
          )}
        </div>
      )}
    </FieldGroup>
  );
}
