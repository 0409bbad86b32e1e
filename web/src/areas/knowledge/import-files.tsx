import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../api/api-error';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { useUploadFile } from '../../ui/upload-file';
import {
  importFilesApiPath,
  importsApiPath,
  knowledgeKeys,
  type ImportFile,
  type KnowledgeImport,
} from './knowledge-api';

/** How often the imports are read again while one of them is still adding files. */
const pollWhileRunningMs = 1000;

/**
 * Several files or one zip sent as a single import (one request, so one unit of the rate limit), then
 * the source's imports with their counts, read again while one runs, and each one's failed and
 * duplicate files on demand.
 */
export function ImportFiles({ sourceId }: { sourceId: string }) {
  const upload = useUploadFile();
  const queryClient = useQueryClient();
  const [sending, setSending] = useState<{ names: string; fraction: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function send(files: File[]) {
    if (files.length === 0) return;
    const names = files.length === 1 ? (files[0]?.name ?? '') : `${files.length} files`;
    setError(null);
    setSending({ names, fraction: 0 });
    // The server answers once every file is added; meanwhile the list below polls and shows it running.
    try {
      await upload<KnowledgeImport>(importsApiPath(sourceId), files, {
        onProgress: (fraction) => setSending({ names, fraction }),
      });
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setSending(null);
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.imports(sourceId) });
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.documents(sourceId) });
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.source(sourceId) });
    }
  }

  return (
    <section className="stack" aria-labelledby="imports-heading">
      <h2 id="imports-heading">Import many files</h2>
      <p className="muted">
        Pick several files, or a zip of a folder: they are sent as one import, and its folders become each
        document&apos;s path.
      </p>
      <div className="row">
        <label className="button">
          Import files
          <input
            className="visually-hidden"
            type="file"
            multiple
            accept=".zip,application/zip,.pdf,.docx,.md,.markdown,.txt,.html,.htm,.csv,.json"
            aria-label="Import files or a zip"
            disabled={sending !== null}
            onChange={(event) => {
              void send([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
        </label>
        {sending && <progress max={1} value={sending.fraction} aria-label={`Sending ${sending.names}`} />}
      </div>
      {error !== null && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <ImportList sourceId={sourceId} isSending={sending !== null} />
    </section>
  );
}

function ImportList({ sourceId, isSending }: { sourceId: string; isSending: boolean }) {
  const { api } = useServices();
  const imports = useQuery({
    queryKey: knowledgeKeys.imports(sourceId),
    queryFn: () => api.get<{ items: KnowledgeImport[] }>(importsApiPath(sourceId)),
    refetchInterval: (query) =>
      isSending || (query.state.data?.items ?? []).some((each) => each.status === 'running')
        ? pollWhileRunningMs
        : false,
  });

  if (imports.isPending) return <p className="muted state-text">Loading the imports…</p>;
  if (imports.isError) return <ErrorNotice error={imports.error} onRetry={() => void imports.refetch()} />;
  if (imports.data.items.length === 0) return <p className="muted">No imports yet.</p>;
  return (
    <ul className="stack" aria-label="Imports">
      {imports.data.items.map((each) => (
        <ImportItem key={each.id} sourceId={sourceId} item={each} />
      ))}
    </ul>
  );
}

const statusText: Record<KnowledgeImport['status'], string> = {
  running: 'Importing',
  finished: 'Finished',
  failed: 'Stopped',
};

function ImportItem({ sourceId, item }: { sourceId: string; item: KnowledgeImport }) {
  const [shown, setShown] = useState<'failed' | 'duplicate' | null>(null);
  const label = `Import of ${new Date(item.createdAt).toLocaleString('en')}`;
  const counts =
    `${statusText[item.status]}: ${item.fileCount.toLocaleString('en')} ${item.fileCount === 1 ? 'file' : 'files'}` +
    `${item.status === 'running' ? ' so far' : ''} — ${item.addedCount.toLocaleString('en')} added, ` +
    `${item.duplicateCount.toLocaleString('en')} duplicate, ${item.failedCount.toLocaleString('en')} failed`;
  return (
    <li className="card stack" aria-label={label}>
      <strong>{label}</strong>
      {/* A live region: a screen reader hears the counts grow and the import finish. */}
      <p role="status">{counts}</p>
      {item.errorMessage && (
        <p className="field-error" role="alert">
          {item.errorMessage}
        </p>
      )}
      <div className="row">
        {item.failedCount > 0 && (
          <button
            type="button"
            className="link"
            aria-expanded={shown === 'failed'}
            onClick={() => setShown(shown === 'failed' ? null : 'failed')}
          >
            {shown === 'failed' ? 'Hide failed files' : 'Show failed files'}
          </button>
        )}
        {item.duplicateCount > 0 && (
          <button
            type="button"
            className="link"
            aria-expanded={shown === 'duplicate'}
            onClick={() => setShown(shown === 'duplicate' ? null : 'duplicate')}
          >
            {shown === 'duplicate' ? 'Hide duplicates' : 'Show duplicates'}
          </button>
        )}
      </div>
      {shown && (
        <ImportFileList sourceId={sourceId} importId={item.id} outcome={shown} isRunning={item.status === 'running'} />
      )}
    </li>
  );
}

function ImportFileList({
  sourceId,
  importId,
  outcome,
  isRunning,
}: {
  sourceId: string;
  importId: string;
  outcome: 'failed' | 'duplicate';
  isRunning: boolean;
}) {
  const { api } = useServices();
  const files = useQuery({
    queryKey: knowledgeKeys.importFiles(sourceId, importId, outcome),
    queryFn: () =>
      api.get<{ items: ImportFile[]; nextAfter: number | null }>(
        `${importFilesApiPath(sourceId, importId)}?outcome=${outcome}&limit=1000`,
      ),
    refetchInterval: isRunning ? pollWhileRunningMs : false,
  });
  if (files.isPending) return <p className="muted state-text">Loading the files…</p>;
  if (files.isError) return <ErrorNotice error={files.error} onRetry={() => void files.refetch()} />;
  return (
    <>
      <ul aria-label={outcome === 'failed' ? 'Failed files' : 'Duplicate files'}>
        {files.data.items.map((file) => (
          <li key={file.position}>
            <code className="cell-break">{file.path}</code>
            {file.message && <span className={outcome === 'failed' ? 'field-error' : 'muted'}> — {file.message}</span>}
          </li>
        ))}
      </ul>
      {files.data.nextAfter !== null && (
        <p className="muted">Only the first 1,000 are shown; the API lists the rest.</p>
      )}
    </>
  );
}
