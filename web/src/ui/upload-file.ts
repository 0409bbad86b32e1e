import { useCallback } from 'react';
import { toApiError } from '../api/api-error';
import type { SessionStore } from '../api/session-store';
import { useServices } from '../app-context';

export interface UploadOptions {
  /** The multipart field the server reads the file from. */
  fieldName?: string;
  /** Called as the bytes leave the browser: 0 to 1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

interface XhrAnswer {
  status: number;
  statusText: string;
  body: string;
}

const cancelledError = () => new DOMException('The upload was cancelled', 'AbortError');

/** An upload stopped through its `signal`: the person chose it, so it is not a failure to show. */
export const isUploadCancelled = (error: unknown): boolean =>
  error instanceof DOMException && error.name === 'AbortError';

/**
 * One multipart POST through XMLHttpRequest: fetch cannot report upload progress, XHR's upload events
 * can. Resolves with the answer whatever its status; rejects only when the request could not be made.
 */
function sendOnce(
  path: string,
  file: File | File[],
  token: string | undefined,
  options: UploadOptions,
): Promise<XhrAnswer> {
  return new Promise((resolve, reject) => {
    // Cancelled before this attempt began (e.g. while a 401 waited for the refresh): abort would not fire.
    if (options.signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const request = new XMLHttpRequest();
    request.open('POST', path);
    request.withCredentials = true;
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    request.onload = () =>
      resolve({ status: request.status, statusText: request.statusText, body: request.responseText });
    // Same sentence fetch gives a dropped connection (errorMessage turns a TypeError into it).
    request.onerror = () => reject(new TypeError('The upload could not reach the server'));
    request.onabort = () => reject(cancelledError());
    options.signal?.addEventListener('abort', () => request.abort(), { once: true });
    const form = new FormData();
    // Several files go as the same field repeated, in one request.
    for (const each of Array.isArray(file) ? file : [file]) form.append(options.fieldName ?? 'file', each, each.name);
    request.send(form);
  });
}

/**
 * Uploads a file as multipart form data with progress, authenticated like authedFetch: the access
 * token attached, and on a 401 one refresh and one retry. Failures throw ApiError with the server's sentence;
 * an abort through `signal` rejects with an AbortError (see isUploadCancelled).
 */
export async function uploadFile<T>(
  sessions: SessionStore,
  path: string,
  file: File | File[],
  options: UploadOptions = {},
): Promise<T> {
  const sentToken = sessions.get()?.accessToken;
  let answer = await sendOnce(path, file, sentToken, options);
  if (answer.status === 401) {
    const refreshed = await sessions.renewAfter(sentToken);
    if (refreshed) answer = await sendOnce(path, file, refreshed.accessToken, options);
  }
  const response = new Response(answer.body || null, {
    status: answer.status,
    statusText: answer.statusText,
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as T;
}

/** uploadFile with the app's session. */
export function useUploadFile() {
  const { sessions } = useServices();
  return useCallback(
    <T>(path: string, file: File | File[], options?: UploadOptions) => uploadFile<T>(sessions, path, file, options),
    [sessions],
  );
}
