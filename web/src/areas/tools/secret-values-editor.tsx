import { FieldGroup } from '../../ui/field';

export interface NamedValue {
  name: string;
  value: string;
}

/** keep: leave what is stored; replace: the rows below become the whole set; remove: clear it. */
export type SecretsChange = 'keep' | 'replace' | 'remove';

/**
 * Headers or environment variables whose values are write-only: once stored, only their names come back,
 * so editing offers to keep them, replace the whole set, or remove it — never to show or patch a value.
 */
export function SecretValuesEditor(props: {
  legend: string;
  /** "header" or "variable": names the rows and buttons. */
  noun: string;
  field: string;
  error: unknown;
  storedNames: readonly string[];
  change: SecretsChange;
  onChangeKind: (change: SecretsChange) => void;
  rows: NamedValue[];
  onRowsChange: (rows: NamedValue[]) => void;
  namePlaceholder: string;
  hint: string;
}) {
  const { noun, storedNames, change, rows, onRowsChange } = props;
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const setRow = (index: number, patch: Partial<NamedValue>) =>
    onRowsChange(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  const hasStored = storedNames.length > 0;

  return (
    <FieldGroup legend={props.legend} field={props.field} error={props.error}>
      {hasStored && (
        <p className="intro">
          Stored:{' '}
          {storedNames.map((name, index) => (
            <span key={name}>
              {index > 0 && ', '}
              <code>{name}</code>
            </span>
          ))}
          <span className="muted"> — values are never shown.</span>
        </p>
      )}
      {change === 'keep' && (
        <div className="row">
          <button type="button" onClick={() => props.onChangeKind('replace')}>
            Replace {noun}s
          </button>
          <button type="button" className="danger" onClick={() => props.onChangeKind('remove')}>
            Remove {noun}s
          </button>
        </div>
      )}
      {change === 'remove' && (
        <div className="row">
          <span className="muted">They are removed when you save.</span>
          <button type="button" onClick={() => props.onChangeKind('keep')}>
            Keep them
          </button>
        </div>
      )}
      {change === 'replace' && (
        <>
          {hasStored && <span className="muted field-hint">The {noun}s below replace all the stored ones.</span>}
          {rows.map((row, index) => (
            <div className="row secret-row" key={index}>
              <input
                aria-label={`${Noun} ${index + 1} name`}
                placeholder={props.namePlaceholder}
                value={row.name}
                onChange={(event) => setRow(index, { name: event.target.value })}
                maxLength={100}
                autoComplete="off"
                spellCheck={false}
              />
              <input
                aria-label={`${Noun} ${index + 1} value`}
                placeholder="Value"
                type="password"
                value={row.value}
                onChange={(event) => setRow(index, { value: event.target.value })}
                maxLength={8192}
                autoComplete="new-password"
              />
              <button
                type="button"
                onClick={() => onRowsChange(rows.filter((_, at) => at !== index))}
                aria-label={`Remove ${noun} ${index + 1}`}
              >
                Remove
              </button>
            </div>
          ))}
          <div className="row">
            <button type="button" onClick={() => onRowsChange([...rows, { name: '', value: '' }])}>
              Add {noun}
            </button>
            {hasStored && (
              <button type="button" onClick={() => props.onChangeKind('keep')}>
                Keep the stored {noun}s
              </button>
            )}
          </div>
        </>
      )}
      <span className="muted field-hint">{props.hint}</span>
    </FieldGroup>
  );
}

/**
 * What to send for the set: omitted when kept (or nothing was ever there), null to clear it, else the
 * rows with a name as a record.
 */
export function secretsToSend(
  change: SecretsChange,
  rows: readonly NamedValue[],
  storedNames: readonly string[],
): Record<string, string> | null | undefined {
  if (change === 'keep') return undefined;
  if (change === 'remove') return null;
  const named = rows.filter((row) => row.name.trim() !== '');
  if (named.length === 0) return storedNames.length > 0 ? null : undefined;
  return Object.fromEntries(named.map((row) => [row.name.trim(), row.value]));
}
