import { useState } from 'react';
import { ApiError } from '../../../api/api-error';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { setApiPath } from '../evaluations-api';

interface ImportResult {
  imported: number;
  caseCount: number;
}

/** The server takes at most 5 MB of text; a larger file is refused here, before it is read. */
const maxFileBytes = 5_000_000;

/** CSV by its name; anything else is read as JSONL, one case per line. */
const formatOf = (file: File): 'csv' | 'jsonl' => (/\.csv$/i.test(file.name) ? 'csv' : 'jsonl');

/**
 * Cases from a JSONL or CSV file, all or nothing: the server checks every line first, and a refused
 * file comes back with each problem's line and field, listed here so the file can be fixed in one go.
 */
export function CaseImport(props: { setId: string; onImported: () => Promise<void> }) {
  const { api } = useServices();
  const [fileName, setFileName] = useState<string | null>(null);
  const send = useExclusiveMutation({
    mutationFn: async (file: File) => {
      if (file.size > maxFileBytes) {
        throw new Error(`${file.name} is larger than 5 MB: split it into several files`);
      }
      const content = await file.text();
      return api.post<ImportResult>(`${setApiPath(props.setId)}/imports`, { format: formatOf(file), content });
    },
    onSuccess: () => props.onImported(),
  });
  const problems = send.error instanceof ApiError ? send.error.fields : [];

  return (
    <section className="stack" aria-labelledby="case-import-heading">
      <h2 id="case-import-heading">Import cases</h2>
      <p className="muted">
        A <code>.jsonl</code> file holds one case a line, as the API takes it (
        <code>{'{"question": "…", "mustInclude": ["…"]}'}</code>). A <code>.csv</code> file has a header row naming its
        columns: <code>question</code>, <code>expected_sources</code>, <code>must_include</code>,{' '}
        <code>must_not_include</code>, <code>expect_handoff</code> (yes or no), <code>max_length</code>,{' '}
        <code>note</code>; lists are separated by <code>|</code>. A file with any problem imports nothing.
      </p>
      <div className="row">
        <label className="button">
          Choose a file to import
          <input
            className="visually-hidden"
            type="file"
            accept=".jsonl,.csv,.json,.txt,text/csv,application/jsonl"
            disabled={send.isPending}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (!file) return;
              setFileName(file.name);
              send.mutate(file);
            }}
          />
        </label>
        {send.isPending ? (
          <span className="muted" role="status">
            Importing {fileName}…
          </span>
        ) : null}
      </div>
      {send.isSuccess ? (
        <p className="success-notice" role="status">
          Imported {send.data.imported === 1 ? '1 case' : `${send.data.imported.toLocaleString('en')} cases`} from{' '}
          {fileName}; the set now has {send.data.caseCount.toLocaleString('en')}.
        </p>
      ) : null}
      {send.error ? <ErrorNotice error={send.error} /> : null}
      {problems.length > 0 ? (
        <ul className="field-error" aria-label={`Problems in ${fileName ?? 'the file'}`}>
          {problems.map((problem, index) => (
            <li key={index}>
              <strong>{problem.field}</strong>: {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
