import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { agentKeys, useAgentVersions, type Agent, type AgentVersionSummary } from './agents-api';

export type { AgentVersionSummary };

/** One setting's change, as GET …/versions/{n}/diff answers it. */
export interface SettingChange {
  field: string;
  before: unknown;
  after: unknown;
  lines?: { kind: 'added' | 'removed' | 'same'; text: string }[];
  added?: string[];
  removed?: string[];
}

const fieldLabels: Record<string, string> = {
  instructions: 'Personality',
  model: 'Model',
  temperature: 'Temperature',
  maxOutputTokens: 'Output limit',
  knowledgeSourceIds: 'Knowledge sources',
  toolKeys: 'Tools',
  companion: 'Companion settings',
};
const labelOf = (field: string) => fieldLabels[field] ?? field;
const shown = (value: unknown) => (value === null || value === undefined ? 'not set' : JSON.stringify(value));
const stateLabels = { published: 'Published', draft: 'Draft', earlier: '' } as const;

/** What changed in one setting: the personality line by line, lists by what came and went. */
function ChangeView({ change }: { change: SettingChange }) {
  if (change.lines) {
    return (
      <div className="diff-lines" role="group" aria-label={`${labelOf(change.field)}, line by line`}>
        {change.lines.map((line, index) =>
          line.kind === 'added' ? (
            <ins key={index} className="diff-added">
              + {line.text}
            </ins>
          ) : line.kind === 'removed' ? (
            <del key={index} className="diff-removed">
              − {line.text}
            </del>
          ) : (
            <span key={index} className="diff-same">
              {'  '}
              {line.text}
            </span>
          ),
        )}
      </div>
    );
  }
  if (change.added || change.removed) {
    return (
      <p>
        {change.added?.length ? <ins className="diff-added">Added: {change.added.join(', ')}</ins> : null}{' '}
        {change.removed?.length ? <del className="diff-removed">Removed: {change.removed.join(', ')}</del> : null}
      </p>
    );
  }
  return (
    <p>
      <del className="diff-removed">{shown(change.before)}</del> →{' '}
      <ins className="diff-added">{shown(change.after)}</ins>
    </p>
  );
}

/** The diff of version `number` against the published one. */
function VersionDiff({ agentId, number }: { agentId: string; number: number }) {
  const { api } = useServices();
  const diff = useQuery({
    queryKey: agentKeys.diff(agentId, number),
    queryFn: () =>
      api.get<{ from: number; to: number; changes: SettingChange[] }>(
        `/v1/agents/${encodeURIComponent(agentId)}/versions/${number}/diff`,
      ),
  });
  if (diff.isPending) return <p className="muted state-text">Comparing…</p>;
  if (diff.isError) return <ErrorNotice error={diff.error} onRetry={() => void diff.refetch()} />;
  const { from, to, changes } = diff.data;
  return (
    <section className="card stack" aria-label={`Version ${to} compared with version ${from}`}>
      <h3>
        Version {to} compared with version {from}
      </h3>
      {changes.length === 0 ? <p className="muted">No setting differs.</p> : null}
      {changes.map((change) => (
        <div key={change.field} className="stack">
          <h4>{labelOf(change.field)}</h4>
          <ChangeView change={change} />
        </div>
      ))}
    </section>
  );
}

/**
 * The agent's versions (docs/agents.md): which one conversations use, the draft beside it, the earlier
 * ones; each compared with the published one, published, or (an earlier one) published again to roll back.
 */
export function AgentVersionsSection({ agent }: { agent: Agent }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [compared, setCompared] = useState<number | null>(null);
  const versions = useAgentVersions(agent.id);
  const publish = useExclusiveMutation({
    mutationFn: (number: number) =>
      api.post<Agent>(`/v1/agents/${encodeURIComponent(agent.id)}/versions/${number}/publish`),
    onSuccess: async () => {
      setCompared(null);
      await queryClient.invalidateQueries({ queryKey: agentKeys.all });
    },
  });

  return (
    <section className="stack" aria-labelledby="agent-versions-heading">
      <h2 id="agent-versions-heading">Versions</h2>
      <p className="muted">
        Conversations use the published version. Save a draft to try a change, compare it, then publish it; publish an
        earlier version to roll back.
      </p>
      {publish.error ? <ErrorNotice error={publish.error} /> : null}
      {versions.isPending ? <p className="muted state-text">Loading the versions…</p> : null}
      {versions.isError ? <ErrorNotice error={versions.error} onRetry={() => void versions.refetch()} /> : null}
      {versions.data ? (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">Changed</th>
              <th scope="col">Note</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((version) => (
              <tr key={version.number}>
                <td>
                  {version.number}{' '}
                  {version.state !== 'earlier' ? (
                    <span className={version.state === 'published' ? 'badge badge-ok' : 'badge badge-warning'}>
                      {stateLabels[version.state]}
                    </span>
                  ) : null}
                </td>
                <td>{new Date(version.createdAt).toLocaleString()}</td>
                <td>{version.changed.map(labelOf).join(', ')}</td>
                <td>{version.note ?? ''}</td>
                <td className="row">
                  {version.state !== 'published' ? (
                    <>
                      <button
                        type="button"
                        aria-pressed={compared === version.number}
                        onClick={() => setCompared(compared === version.number ? null : version.number)}
                      >
                        Compare with published
                      </button>
                      <button
                        type="button"
                        className={version.state === 'draft' ? 'primary' : undefined}
                        disabled={publish.isPending}
                        onClick={() => publish.mutate(version.number)}
                      >
                        {version.state === 'draft'
                          ? `Publish version ${version.number}`
                          : `Roll back to version ${version.number}`}
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {compared !== null ? <VersionDiff agentId={agent.id} number={compared} /> : null}
    </section>
  );
}
