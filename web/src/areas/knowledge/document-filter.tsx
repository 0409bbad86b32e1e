import { CursorListView } from '../../ui/cursor-list';
import { FieldGroup } from '../../ui/field';
import { useSourceDocuments } from './knowledge-api';

/** The query endpoint narrows a search to at most this many documents (`documentIds` in query.schemas.ts). */
export const maxFilteredDocuments = 100;

/**
 * Narrows a playground search to some of the source's documents: one checkbox per document, and none
 * checked searches the whole source. The ids are kept in the list's order, so the request does not
 * depend on the order of clicks.
 */
export function DocumentFilter(props: {
  sourceId: string;
  selectedIds: string[];
  onChange: (ids: string[]) => void;
  error: unknown;
}) {
  const list = useSourceDocuments(props.sourceId);
  const { selectedIds } = props;
  const isFull = selectedIds.length >= maxFilteredDocuments;

  function toggle(id: string, isChecked: boolean) {
    const others = selectedIds.filter((each) => each !== id);
    const chosen = new Set(isChecked ? [...others, id] : others);
    props.onChange(list.items.map((document) => document.id).filter((each) => chosen.has(each)));
  }

  return (
    <FieldGroup legend="Only these documents" field="documentIds" error={props.error}>
      <span className="field-hint muted">
        None chosen searches the whole source; up to {maxFilteredDocuments} can be chosen.
      </span>
      <CursorListView list={list} loadingText="Loading documents…" emptyText="This source has no documents yet.">
        {(documents) => (
          <div className="knowledge-picker document-filter">
            {documents.map((document) => {
              const isChecked = selectedIds.includes(document.id);
              return (
                <label key={document.id} className="inline cell-break">
                  <input
                    type="checkbox"
                    checked={isChecked}
                    disabled={isFull && !isChecked}
                    onChange={(event) => toggle(document.id, event.target.checked)}
                  />
                  {document.title}
                </label>
              );
            })}
          </div>
        )}
      </CursorListView>
    </FieldGroup>
  );
}
