import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent, type FormEvent } from 'react';
import { errorMessage } from '../../api/api-error';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { TextField } from '../../ui/field';
import { isUploadCancelled, useUploadFile } from '../../ui/upload-file';
import { documentsApiPath, knowledgeKeys, type KnowledgeDocument } from './knowledge-api';

/** Where an upload stands: on its way (0 to 1 of the bytes sent), refused with a reason, or cancelled. */
type UploadState = { kind: 'sending'; fraction: number } | { kind: 'failed'; error: string } | { kind: 'cancelled' };

/** A file on its way to the server; it leaves this list once the server has it (then the table shows it). */
interface Upload {
  key: string;
  name: string;
  state: UploadState;
  /** Aborts the request while it is in flight. */
  controller: AbortController;
}

let uploadCounter = 0;

/**
 * Drop files here or pick them: each is sent at once, with its progress and a way to cancel it, and the
 * documents table then follows its indexing. A refused file (too big, an unsupported type) stays here with
 * the server's reason, a cancelled one with a note saying so, until dismissed.
 */
export function DocumentUpload({ sourceId }: { sourceId: string }) {
  const upload = useUploadFile();
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [isDragging, setIsDragging] = useState(false);

  const change = (key: string, state: UploadState) =>
    setUploads((current) => current.map((each) => (each.key === key ? { ...each, state } : each)));
  const forget = (key: string) => setUploads((current) => current.filter((each) => each.key !== key));

  async function send(file: File) {
    uploadCounter += 1;
    const key = `upload-${uploadCounter}`;
    const controller = new AbortController();
    setUploads((current) => [
      ...current,
      { key, name: file.name, state: { kind: 'sending', fraction: 0 }, controller },
    ]);
    try {
      await upload<KnowledgeDocument>(documentsApiPath(sourceId), file, {
        onProgress: (fraction) => change(key, { kind: 'sending', fraction }),
        signal: controller.signal,
      });
      forget(key);
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.documents(sourceId) });
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.source(sourceId) });
    } catch (error) {
      if (!isUploadCancelled(error)) {
        change(key, { kind: 'failed', error: errorMessage(error) });
        return;
      }
      change(key, { kind: 'cancelled' });
      // A cancel as the last bytes left may come after the server stored the file: the table tells.
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.documents(sourceId) });
    }
  }

  function sendAll(files: FileList | null) {
    for (const file of files ?? []) void send(file);
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setIsDragging(false);
    sendAll(event.dataTransfer.files);
  }

  return (
    <div className="stack">
      <div
        className={isDragging ? 'drop-zone is-dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setIsDragging(true);
        }}
        onDragLeave={() => setIsDragging(false)}
        onDrop={onDrop}
      >
        <p className="muted">Drop PDF, Word, Markdown, HTML or text files here, or</p>
        <label className="button">
          Choose files
          <input
            className="visually-hidden"
            type="file"
            multiple
            aria-label="Upload documents"
            onChange={(event) => {
              sendAll(event.target.files);
              // The same file chosen again is a new upload.
              event.target.value = '';
            }}
          />
        </label>
      </div>
      {uploads.length > 0 && (
        <ul className="upload-list" aria-label="Uploads">
          {uploads.map((each) => (
            <UploadItem
              key={each.key}
              upload={each}
              onCancel={() => each.controller.abort()}
              onDismiss={() => forget(each.key)}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function UploadItem({ upload, onCancel, onDismiss }: { upload: Upload; onCancel: () => void; onDismiss: () => void }) {
  const { name, state } = upload;
  return (
    <li className="upload-item">
      <span className="upload-name">{name}</span>
      {state.kind === 'sending' ? (
        <>
          <progress max={1} value={state.fraction} aria-label={`Uploading ${name}`} />
          <button type="button" className="link" onClick={onCancel}>
            Cancel upload <span className="visually-hidden">{name}</span>
          </button>
        </>
      ) : (
        <>
          {state.kind === 'failed' ? (
            <span className="field-error" role="alert">
              {state.error}
            </span>
          ) : (
            <span className="muted" role="status">
              Upload cancelled
            </span>
          )}
          <button type="button" className="link" onClick={onDismiss}>
            Dismiss <span className="visually-hidden">{name}</span>
          </button>
        </>
      )}
    </li>
  );
}

/** Adds a web page (or a file on the web) by its address; the server fetches it and indexes it. */
export function AddFromUrlForm({ sourceId }: { sourceId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const add = useMutation({
    mutationFn: (address: string) =>
      api.post<KnowledgeDocument>(`${documentsApiPath(sourceId)}/from-url`, { url: address }),
    onSuccess: async () => {
      setUrl('');
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.documents(sourceId) });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    add.mutate(url.trim());
  }

  return (
    <form className="stack" onSubmit={submit} aria-label="Add from a web address">
      <div className="row input-with-action url-row">
        <TextField
          label="Web address"
          field="url"
          error={add.error}
          value={url}
          onValueChange={setUrl}
          type="url"
          required
          maxLength={2000}
          placeholder="https://example.com/handbook.html"
          autoComplete="off"
        />
        <button type="submit" disabled={add.isPending || !url.trim()}>
          {add.isPending ? 'Adding…' : 'Add page'}
        </button>
      </div>
      {add.error !== null && <ErrorNotice error={add.error} />}
    </form>
  );
}
