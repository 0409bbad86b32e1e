import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent, type FormEvent } from 'react';
import { errorMessage } from '../../api/api-error';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { TextField } from '../../ui/field';
import { useUploadFile } from '../../ui/upload-file';
import { documentsApiPath, knowledgeKeys, type KnowledgeDocument } from './knowledge-api';

/** A file on its way to the server; it leaves this list once the server has it (then the table shows it). */
interface Upload {
  key: string;
  name: string;
  /** 0 to 1 of the bytes sent. */
  fraction: number;
  error: string | null;
}

let uploadCounter = 0;

/**
 * Drop files here or pick them: each is sent at once, with its progress, and the documents table then
 * follows its indexing. A refused file (too big, an unsupported type) stays here with the server's reason.
 */
export function DocumentUpload({ sourceId }: { sourceId: string }) {
  const upload = useUploadFile();
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [isDragging, setIsDragging] = useState(false);

  const change = (key: string, patch: Partial<Upload>) =>
    setUploads((current) => current.map((each) => (each.key === key ? { ...each, ...patch } : each)));
  const forget = (key: string) => setUploads((current) => current.filter((each) => each.key !== key));

  async function send(file: File) {
    uploadCounter += 1;
    const key = `upload-${uploadCounter}`;
    setUploads((current) => [...current, { key, name: file.name, fraction: 0, error: null }]);
    try {
      await upload<KnowledgeDocument>(documentsApiPath(sourceId), file, {
        onProgress: (fraction) => change(key, { fraction }),
      });
      forget(key);
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.documents(sourceId) });
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.source(sourceId) });
    } catch (error) {
      change(key, { error: errorMessage(error) });
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
            <li key={each.key} className="upload-item">
              <span className="upload-name">{each.name}</span>
              {each.error === null ? (
                <progress max={1} value={each.fraction} aria-label={`Uploading ${each.name}`} />
              ) : (
                <>
                  <span className="field-error" role="alert">
                    {each.error}
                  </span>
                  <button type="button" className="link" onClick={() => forget(each.key)}>
                    Dismiss <span className="visually-hidden">{each.name}</span>
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
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
