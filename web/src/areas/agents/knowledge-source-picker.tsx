import { Link } from 'react-router';
import { ErrorNotice } from '../../ui/error-notice';
import { FieldGroup } from '../../ui/field';
import type { KnowledgeSourceChoice } from './agents-api';

/**
 * Which knowledge sources the agent answers from: one checkbox per source of the tenant. A source the
 * agent has that is no longer listed (deleted meanwhile) is kept out of the choices and of what is sent.
 */
export function KnowledgeSourcePicker(props: {
  sources: KnowledgeSourceChoice[] | undefined;
  loadError: unknown;
  onRetry: () => void;
  selectedIds: string[];
  onChange: (ids: string[]) => void;
  error: unknown;
  /** Administrators can add sources; others are told who can. */
  canAddSources: boolean;
}) {
  const { sources, selectedIds } = props;
  const toggle = (id: string, isChecked: boolean) => {
    const others = selectedIds.filter((each) => each !== id);
    // Keeps the list's order, so the body does not depend on the order of clicks.
    const chosen = new Set(isChecked ? [...others, id] : others);
    props.onChange((sources ?? []).map((source) => source.id).filter((each) => chosen.has(each)));
  };

  return (
    <FieldGroup legend="Knowledge sources" field="knowledgeSourceIds" error={props.error}>
      {props.loadError !== null && props.loadError !== undefined ? (
        <ErrorNotice error={props.loadError} onRetry={props.onRetry} />
      ) : sources === undefined ? (
        <p className="muted state-text">Loading knowledge sources…</p>
      ) : sources.length === 0 ? (
        <p className="muted">
          No knowledge sources yet.{' '}
          {props.canAddSources ? (
            <>
              <Link to="/knowledge">Add one</Link> to let the agent answer from your documents.
            </>
          ) : (
            'An administrator can add one for agents to answer from.'
          )}
        </p>
      ) : (
        <div className="knowledge-picker">
          <span className="field-hint muted">The agent looks up these before replying and cites what it used.</span>
          {sources.map((source) => (
            <label key={source.id} className="inline">
              <input
                type="checkbox"
                checked={selectedIds.includes(source.id)}
                onChange={(event) => toggle(source.id, event.target.checked)}
              />
              {source.name}
              <span className="muted">
                ({source.documentCount} {source.documentCount === 1 ? 'document' : 'documents'})
              </span>
            </label>
          ))}
        </div>
      )}
    </FieldGroup>
  );
}
