import { useCallback, useRef, useState } from 'react';
import { errorMessage } from '../../api/api-error';
import { isUploadCancelled, useUploadFile } from '../../ui/upload-file';
import type { Attachment } from './chat-api';

/** A file chosen in the composer: uploading, uploaded (then it has the server's id), or refused. */
export interface PendingAttachment {
  key: string;
  filename: string;
  /** 0 to 1 of the bytes sent. */
  fraction: number;
  error: string | null;
  uploaded: Attachment | null;
}

/** What POST /v1/files answers. */
interface StoredFile {
  id: string;
  filename: string;
  mediaType: string;
  byteSize: number;
}

/** The server takes up to this many files with one message. */
export const maxAttachments = 10;

/**
 * The files to send with the next message: each is uploaded through POST /v1/files as soon as it is
 * chosen, so a send only carries their ids. A refused file stays, with the server's reason, until removed.
 * Removing a file still uploading aborts its upload, so it does not end up stored on the server unused.
 */
export function useAttachments() {
  const upload = useUploadFile();
  const [pending, setPending] = useState<PendingAttachment[]>([]);
  const counter = useRef(0);
  /** The uploads in flight, by key. */
  const controllers = useRef(new Map<string, AbortController>());

  const change = (key: string, patch: Partial<PendingAttachment>) =>
    setPending((current) => current.map((each) => (each.key === key ? { ...each, ...patch } : each)));

  const add = useCallback(
    (files: readonly File[]) => {
      for (const file of files.slice(0, Math.max(0, maxAttachments - pending.length))) {
        counter.current += 1;
        const key = `attachment-${counter.current}`;
        const controller = new AbortController();
        controllers.current.set(key, controller);
        setPending((current) => [...current, { key, filename: file.name, fraction: 0, error: null, uploaded: null }]);
        upload<StoredFile>('/v1/files', file, {
          onProgress: (fraction) => change(key, { fraction }),
          signal: controller.signal,
        })
          .then((stored) =>
            change(key, {
              fraction: 1,
              uploaded: { fileId: stored.id, filename: stored.filename, mediaType: stored.mediaType },
            }),
          )
          .catch((error: unknown) => {
            // A cancelled upload was removed on purpose: nothing to report.
            if (!isUploadCancelled(error)) change(key, { error: errorMessage(error) });
          })
          .finally(() => controllers.current.delete(key));
      }
    },
    [upload, pending.length],
  );

  const remove = useCallback((key: string) => {
    controllers.current.get(key)?.abort();
    setPending((current) => current.filter((each) => each.key !== key));
  }, []);
  const clear = useCallback(() => {
    for (const controller of controllers.current.values()) controller.abort();
    setPending([]);
  }, []);
  /** Puts back the files of a send the server refused. */
  const restore = useCallback(
    (attachments: Attachment[]) =>
      setPending((current) =>
        current.length > 0
          ? current
          : attachments.map((attachment) => ({
              key: attachment.fileId,
              filename: attachment.filename,
              fraction: 1,
              error: null,
              uploaded: attachment,
            })),
      ),
    [],
  );

  const isUploading = pending.some((each) => each.uploaded === null && each.error === null);
  const ready = pending.flatMap((each) => (each.uploaded ? [each.uploaded] : []));
  return { pending, add, remove, clear, restore, isUploading, ready };
}

export type Attachments = ReturnType<typeof useAttachments>;
